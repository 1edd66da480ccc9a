package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// historyView is a pair's version history: its changes, newest first; the
// agreement, a goal or a check-in's notes as they were right after the
// change selected; restoring that version as a new change; and what
// changed in the agreement since you signed it.
type historyView struct {
	u       *UI
	win     fyne.Window // where its dialogs show
	id      string
	content fyne.CanvasObject

	changes  []workspace.Change
	selected int // index in changes, or -1
	list     *widget.List
	parts    []mentoring.Part // what partSel's options name, in order
	partSel  *widget.Select
	heading  *widget.Label
	text     *widget.Label
	restore  *widget.Button
}

// historyShown is how many of the newest changes the list holds: a pair of
// years holds thousands, and the ones worth going back to are recent.
const historyShown = 500

func newHistoryView(u *UI, win fyne.Window, id string) *historyView {
	h := &historyView{u: u, win: win, id: id, selected: -1}
	h.list = widget.NewList(func() int { return len(h.changes) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := h.changes[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s  %s  %s", c.When.In(u.now().Location()).Format("2 Jan 15:04"), c.Who, c.What))
			o.(*widget.Label).Truncation = fyne.TextTruncateEllipsis
		})
	h.list.OnSelected = func(i widget.ListItemID) { h.selected = i; h.show() }
	h.partSel = widget.NewSelect(nil, func(string) { h.show() })
	h.heading = widget.NewLabelWithStyle("Pick a change on the left to see how things were right after it.", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.heading.Wrapping = fyne.TextWrapWord
	h.text = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	h.text.Wrapping = fyne.TextWrapWord
	h.restore = widget.NewButtonWithIcon("Restore this version", theme.HistoryIcon(), h.confirmRestore)
	h.restore.Disable()
	signed := widget.NewButtonWithIcon("Changed since I signed", theme.SearchIcon(), h.sinceSigned)
	top := container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel("Show"), nil, h.partSel), container.NewHBox(h.restore, signed), h.heading)
	right := container.NewBorder(top, nil, nil, nil, container.NewVScroll(container.NewPadded(h.text)))
	split := container.NewHSplit(h.list, right)
	split.Offset = 0.45
	h.content = split
	h.reload()
	return h
}

// reload reads the history and the parts again, keeping the part chosen.
func (h *historyView) reload() {
	changes, _, err := h.u.ws.Timeline(h.id, historyShown)
	if err != nil {
		h.heading.SetText(explain(err))
		return
	}
	h.changes = changes
	p, err := h.u.ws.Pair(h.id)
	if err != nil {
		h.heading.SetText(explain(err))
		return
	}
	h.parts = []mentoring.Part{{Kind: "agreement"}}
	opts := []string{"The agreement"}
	for _, g := range p.Goals {
		h.parts = append(h.parts, mentoring.Part{Kind: "goal", ID: g.ID})
		opts = append(opts, "Goal: "+g.Title)
	}
	for _, c := range p.Checkins {
		h.parts = append(h.parts, mentoring.Part{Kind: "checkin", ID: c.ID})
		opts = append(opts, "Check-in of "+c.Date)
	}
	was := h.partSel.Selected
	h.partSel.Options = opts
	h.partSel.OnChanged = nil
	if was == "" || h.partSel.SelectedIndex() < 0 {
		h.partSel.SetSelectedIndex(0)
	}
	h.partSel.OnChanged = func(string) { h.show() }
	h.partSel.Refresh()
	h.list.Refresh()
}

func (h *historyView) part() mentoring.Part {
	if i := h.partSel.SelectedIndex(); i >= 0 && i < len(h.parts) {
		return h.parts[i]
	}
	return mentoring.Part{Kind: "agreement"}
}

// show puts the chosen part as it was after the selected change on the
// right, with, for the agreement, what restoring it would change.
func (h *historyView) show() {
	h.restore.Disable()
	if h.selected < 0 || h.selected >= len(h.changes) {
		return
	}
	c := h.changes[h.selected]
	old, _, err := h.u.ws.PairAt(h.id, c.ID)
	if err != nil {
		h.heading.SetText(explain(err))
		h.text.SetText("")
		return
	}
	pt := h.part()
	when := c.When.In(h.u.now().Location()).Format("2 Jan 2006 15:04")
	text, ok := mentoring.PartText(old, pt)
	if !ok {
		h.heading.SetText(fmt.Sprintf("%s did not exist yet right after %s's change of %s.", h.partSel.Selected, c.Who, when))
		h.text.SetText("")
		return
	}
	h.heading.SetText(fmt.Sprintf("As it was right after %s %s, on %s (change %s)", c.Who, c.What, when, c.Short()))
	if now, err := h.u.ws.Pair(h.id); err == nil && pt.Kind == "agreement" {
		if diff := mentoring.DiffAgreement(now.Agreement, old.Agreement); len(diff) > 0 {
			text += "\nRestoring it would change, from now to then:\n" + mentoring.FormatChanges(diff)
		} else {
			text += "\nThe agreement is the same now."
		}
	}
	h.text.SetText(text)
	h.restore.Enable()
}

func (h *historyView) confirmRestore() {
	if h.selected < 0 || h.selected >= len(h.changes) {
		return
	}
	c, pt := h.changes[h.selected], h.part()
	msg := fmt.Sprintf("Bring %s back as it was on %s?\nThis adds a new change: every version stays in the history, and your partner sees that you restored it.",
		lower(h.partSel.Selected), c.When.In(h.u.now().Location()).Format("2 Jan 15:04"))
	dialog.ShowConfirm("Restore an earlier version", msg, func(yes bool) {
		if !yes {
			return
		}
		made, err := h.u.ws.Restore(h.id, pt, c.ID)
		if err != nil {
			h.u.showErrorIn(err, h.win)
			return
		}
		h.reload()
		h.list.UnselectAll()
		h.selected = -1
		h.heading.SetText("You " + made.What + ".")
		h.text.SetText("")
	}, h.win)
}

// sinceSigned shows what changed in the agreement since you signed it.
func (h *historyView) sinceSigned() {
	h.list.UnselectAll()
	h.selected = -1
	h.restore.Disable()
	me, err := h.u.ws.Me(h.id)
	if err == nil {
		var s workspace.Signed
		if s, err = h.u.ws.SinceSigned(h.id, me); err == nil {
			h.heading.SetText("You signed the agreement on " + s.Signature.At.In(h.u.now().Location()).Format("2 Jan 2006 15:04") + ".")
			if len(s.Changes) == 0 {
				h.text.SetText("Nothing in it has changed since.")
			} else {
				h.text.SetText("Changed since, from the version you signed to now:\n\n" + mentoring.FormatChanges(s.Changes))
			}
			return
		}
	}
	h.heading.SetText(explain(err))
	h.text.SetText("")
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// historyWindow opens the version history of a pair in a window of its
// own, so the pair stays in view beside it.
func (u *UI) historyWindow(id string) {
	title := "History"
	if p, err := u.ws.Pair(id); err == nil {
		title = "History of " + p.Title
	}
	w := u.app.NewWindow(title)
	h := newHistoryView(u, w, id)
	w.SetContent(h.content)
	w.Resize(fyne.NewSize(1000, 640))
	w.Show()
}

// showErrorIn says err as showError does, in the window w.
func (u *UI) showErrorIn(err error, w fyne.Window) {
	label, msg := describe(err)
	if errors.Is(err, mentoring.ErrInvalid) {
		dialog.ShowInformation("Please check", sentence(msg), w)
		return
	}
	u.logf("ui: showed an error: %s", label)
	dialog.ShowError(errors.New(sentence(msg)), w)
}
