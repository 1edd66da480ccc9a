package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// recentLines is how much of the log a bug report takes.
const recentLines = 200

// logItem is the log's line in Settings: where the file is, and a button
// that copies its recent lines for a bug report. The log holds IDs and
// what went wrong, never keys, tokens or what anyone wrote, so it can be
// sent as it is.
func (u *UI) logItem() fyne.CanvasObject {
	if u.log == nil {
		why := "No log is kept for this window."
		if u.logErr != nil {
			why = "No log: " + explain(u.logErr) + "."
		}
		return wrapLabel(why)
	}
	where := widget.NewLabel(u.log.Path())
	where.Truncation = fyne.TextTruncateEllipsis
	copyBtn := widget.NewButtonWithIcon("Copy recent lines", theme.ContentCopyIcon(), u.copyLog)
	help := widget.NewLabel("For a bug report: it holds what went wrong, never your keys or what you wrote.")
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(where, container.NewHBox(copyBtn), help)
}

// copyLog puts the log's recent lines on the clipboard.
func (u *UI) copyLog() {
	text, err := u.log.Tail(recentLines)
	if err != nil {
		u.showError(err)
		return
	}
	u.app.Clipboard().SetContent(text)
	n := strings.Count(text, "\n")
	msg := fmt.Sprintf("Copied the last %d lines of the log: paste them into your bug report", n)
	if n == 1 {
		msg = "Copied the log's one line: paste it into your bug report"
	}
	u.saved.SetText(msg)
}
