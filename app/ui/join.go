package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// joinDialog joins a pair or a cohort from an invite code. As soon as the
// code reads, it shows which relay the invite syncs through and what
// happens to the default relay; a relay reached with ws:// on another
// computer is explained, and joining through it takes a tick of its own.
func (u *UI) joinDialog() {
	set := u.ws.Settings()
	code := widget.NewMultiLineEntry()
	code.SetPlaceHolder("PW2-…  (paste the code your partner or your programme sent you)")
	code.Wrapping = fyne.TextWrapBreak
	name := widget.NewEntry()
	name.SetText(set.Name)
	role := roleSelect(set.Role)
	about := wrapLabel("")
	about.Hide()
	warning := wrapLabel("")
	warning.Importance = widget.DangerImportance
	warning.Hide()
	trust := widget.NewCheck("I trust this network: join over an unencrypted connection", nil)
	trust.Hide()
	code.OnChanged = func(text string) {
		r, err := u.ws.CheckInvite(strings.TrimSpace(text))
		if err != nil {
			about.Hide()
			warning.Hide()
			trust.Hide()
			return
		}
		about.SetText(strings.Join(r.About(), " "))
		about.Show()
		if w := r.Warning(); w != "" {
			warning.SetText(w)
			warning.Show()
			trust.Show()
		} else {
			warning.Hide()
			trust.Hide()
		}
	}
	errs := newFormError()
	var d dialog.Dialog
	join := widget.NewButtonWithIcon("Join", theme.LoginIcon(), func() {
		text := strings.TrimSpace(code.Text)
		r, err := u.ws.CheckInvite(text)
		if err != nil {
			errs.show(err)
			return
		}
		if r.Insecure && !trust.Checked {
			errs.show(errors.New("nothing was saved yet: tick \"I trust this network\" to join over the unencrypted connection, or ask for an invite to a wss:// relay."))
			return
		}
		var open func()
		if workspace.IsCohortInvite(text) {
			id, err := u.ws.JoinCohort(text)
			if err != nil {
				errs.show(err)
				return
			}
			open = func() { u.reloadCohorts(); u.openCohort(id) }
		} else {
			id, err := u.ws.Join(text, name.Text, mentoring.Role(role.Selected))
			if err != nil {
				errs.show(err)
				return
			}
			_ = u.ws.UpdateSettings(func(s *workspace.Settings) { s.Name, s.Role = strings.TrimSpace(name.Text), role.Selected })
			open = func() { u.reloadPairs(); u.open(id) }
		}
		d.Hide()
		open()
		if r.NewDefault {
			u.saved.SetText("Joined: " + r.Host + " is now your default relay")
		}
		if u.eng != nil {
			u.eng.Kick()
		}
	})
	join.Importance = widget.HighImportance
	form := widget.NewForm(widget.NewFormItem("Invite code", code), widget.NewFormItem("Your name", name), widget.NewFormItem("Your role", role))
	d = dialog.NewCustom("Join a pair or a cohort", "Cancel", container.NewVBox(form, about, warning, trust, errs.label, join), u.win)
	d.Resize(fyne.NewSize(560, 420))
	d.Show()
	u.win.Canvas().Focus(code)
}
