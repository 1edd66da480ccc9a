package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// presenceCard says when the partner's app last synced the pair. The time
// comes from inside the pair, signed by the partner's device, so a relay
// that stops passing the partner's changes on shows here as a partner gone
// quiet, although the status bar says all is synced. It is nil until the
// partner joins, and for a closed pair.
func (v *pairView) presenceCard(now time.Time) fyne.CanvasObject {
	if v.p.IsClosed() {
		return nil
	}
	heard, err := v.u.ws.Heard(v.id)
	if err != nil {
		return nil
	}
	var lines []string
	quiet := false
	for _, m := range v.p.Members {
		if m.ID == v.me {
			continue
		}
		at := heard[m.ID]
		lines = append(lines, mentoring.HeardLine(m.Name, at, now)+".")
		quiet = quiet || at.IsZero() || now.Sub(at) >= mentoring.QuietAfter
	}
	if meta, err := v.u.ws.Meta(v.id); err == nil && meta.ReadOnly() {
		lines = append(lines, "You joined read-only, so your partner sees of your app: "+mentoring.ReadOnlySeen+".")
	}
	if len(lines) == 0 {
		return nil
	}
	icon := theme.ConfirmIcon()
	if quiet {
		icon = theme.WarningIcon()
	}
	return widget.NewCard("Your partner's app", "", container.NewBorder(nil, nil, widget.NewIcon(icon), nil, wrapLabel(strings.Join(lines, "\n"))))
}
