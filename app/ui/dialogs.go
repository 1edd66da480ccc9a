package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

func roleSelect(current string) *widget.Select {
	s := widget.NewSelect([]string{string(mentoring.Mentor), string(mentoring.Mentee)}, nil)
	if current != "" {
		s.SetSelected(current)
	}
	return s
}

// formError shows a refusal inside the dialog that caused it, so nothing
// the person typed is thrown away.
type formError struct{ label *widget.Label }

func newFormError() *formError {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return &formError{l}
}

func (f *formError) show(err error) {
	f.label.SetText(explain(err))
	f.label.Show()
}

func (u *UI) newPairDialog() {
	set := u.ws.Settings()
	title := widget.NewEntry()
	title.SetPlaceHolder("e.g. Ana & Ben 2027")
	name := widget.NewEntry()
	name.SetText(set.Name)
	role := roleSelect(set.Role)
	errs := newFormError()
	var d dialog.Dialog
	create := widget.NewButtonWithIcon("Create pair", theme.ConfirmIcon(), func() {
		id, err := u.ws.NewPair(title.Text, name.Text, mentoring.Role(role.Selected))
		if err != nil {
			errs.show(err)
			return
		}
		_ = u.ws.UpdateSettings(func(s *workspace.Settings) { s.Name, s.Role = strings.TrimSpace(name.Text), role.Selected })
		d.Hide()
		u.reloadPairs()
		u.open(id)
		u.pv.tabs.SelectIndex(1) // start with the agreement, as good programmes do
	})
	create.Importance = widget.HighImportance
	form := widget.NewForm(widget.NewFormItem("Pair title", title), widget.NewFormItem("Your name", name), widget.NewFormItem("Your role", role))
	d = dialog.NewCustom("New pair", "Cancel", container.NewVBox(form, errs.label, create), u.win)
	d.Resize(fyne.NewSize(460, 300))
	d.Show()
	u.win.Canvas().Focus(title)
}

func (u *UI) inviteDialog(id string) {
	code := widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true, Bold: true})
	code.Wrapping = fyne.TextWrapBreak
	code.SizeName = theme.SizeNameSubHeadingText
	errs := newFormError()
	var current string
	var copyBtn *widget.Button
	byFile := wrapLabel("No relay is set, so this code names none and the pair travels by file: once your partner has joined, choose Files, then Save changes to a file…, and send them the file. Their changes come back the same way.")
	byFile.Hide()
	show := func(readOnly bool) {
		c, err := u.ws.Invite(id, readOnly)
		if err != nil {
			errs.show(err)
			code.SetText("")
			copyBtn.Disable()
			return
		}
		current = c
		code.SetText(c)
		copyBtn.Enable()
		if r, err := u.ws.CheckInvite(c); err == nil && r.ByFile {
			byFile.Show()
		}
	}
	readOnly := widget.NewCheck("Read-only (they can read the pair but not change it)", show)
	copyBtn = widget.NewButtonWithIcon("Copy code", theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(current)
		u.saved.SetText("Invite code copied")
	})
	copyBtn.Importance = widget.HighImportance
	help := wrapLabel("Send this code to your partner over a channel you trust. It carries the key to this pair: anyone who has it can read it.")
	d := dialog.NewCustom("Invite your partner", "Close", container.NewVBox(help, readOnly, code, byFile, errs.label, container.NewCenter(copyBtn)), u.win)
	d.Resize(fyne.NewSize(620, 380))
	show(false)
	d.Show()
}

func (u *UI) settingsDialog() {
	set := u.ws.Settings()
	name := widget.NewEntry()
	name.SetText(set.Name)
	relay := widget.NewEntry()
	relay.SetText(set.Relay)
	relay.SetPlaceHolder("wss://relay.example.org")
	token := widget.NewPasswordEntry()
	token.SetText(set.Token)
	token.SetPlaceHolder("for this relay; only needed to add new pairs to it")
	// A token belongs to the relay it was given for: changing the relay
	// clears it, so it is never sent to another one.
	relay.OnChanged = func(r string) {
		if strings.TrimSpace(r) != set.Relay && token.Text == set.Token {
			token.SetText("")
		}
	}
	folder := widget.NewLabel(u.ws.Dir())
	folder.Truncation = fyne.TextTruncateEllipsis
	leads := newLeadChecks(u.ws.ReminderLeads())
	items := []*widget.FormItem{
		widget.NewFormItem("Your name", name),
		widget.NewFormItem("Relay", relay),
		widget.NewFormItem("Organisation token", token),
		leads.item(),
		u.backupItem(),
		widget.NewFormItem("Data folder", folder),
		widget.NewFormItem("Log", u.logItem()),
	}
	d := dialog.NewForm("Settings", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		r := strings.TrimSpace(relay.Text)
		if r != "" && !strings.HasPrefix(r, "ws://") && !strings.HasPrefix(r, "wss://") {
			u.showError(mentoring.Invalidf("the relay address starts with wss:// (or ws:// on a trusted network), for example wss://relay.example.org"))
			return
		}
		if err := leads.save(u.ws); err != nil {
			u.showError(err)
			return
		}
		if err := u.ws.UpdateSettings(func(s *workspace.Settings) {
			s.Name, s.Relay, s.Token = strings.TrimSpace(name.Text), r, strings.TrimSpace(token.Text)
		}); err != nil {
			u.showError(err)
			return
		}
		u.saved.SetText("Settings saved")
		if u.eng != nil {
			u.eng.Kick()
		}
	}, u.win)
	d.Resize(fyne.NewSize(600, 520))
	d.Show()
}

// exportFormats are the export choices, in the order the dialog shows them.
var exportFormats = []struct{ label, format, ext string }{
	{"PDF (a record to keep or print)", "pdf", ".pdf"},
	{"Markdown (a readable text record)", "md", ".md"},
	{"Calendar (.ics: your rhythm and dates)", "ics", ".ics"},
	{"JSON (every field)", "json", ".json"},
}

func (u *UI) exportDialog(id string) {
	labels := make([]string, len(exportFormats))
	for i, f := range exportFormats {
		labels[i] = f.label
	}
	choice := widget.NewRadioGroup(labels, nil)
	choice.SetSelected(labels[0])
	dialog.ShowCustomConfirm("Export pair", "Choose file…", "Cancel", choice, func(ok bool) {
		if !ok {
			return
		}
		for _, f := range exportFormats {
			if f.label == choice.Selected {
				u.exportAs(id, f.format)
			}
		}
	}, u.win)
}

// exportAs asks where to save and writes the pair in format there.
func (u *UI) exportAs(id, format string) {
	name := "pair"
	if p, err := u.ws.Pair(id); err == nil {
		name = fileName(p.Title)
	}
	u.export(name, format, func(w io.Writer) error { return u.ws.Export(id, format, w) })
}

// export renders with write first, so a refusal is shown before any file
// dialog, then asks where to save it, suggesting name and the format's
// extension.
func (u *UI) export(name, format string, write func(w io.Writer) error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		u.showError(err)
		return
	}
	u.saveFile(name, "."+format, buf.Bytes())
}

// saveFile asks where to save data, suggesting name+ext, and writes it.
func (u *UI) saveFile(name, ext string, data []byte) {
	save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		if _, err := w.Write(data); err != nil {
			u.showError(fmt.Errorf("could not write %s: %w", w.URI().Name(), err))
			return
		}
		msg := "Exported to " + w.URI().Name()
		if ext == ".ics" {
			msg = "Saved " + w.URI().Name() + ": open it to add the dates to your calendar"
		}
		u.saved.SetText(msg)
	}, u.win)
	save.SetFileName(name + ext)
	save.SetFilter(storage.NewExtensionFileFilter([]string{ext}))
	save.Show()
}

// fileName turns a title into a safe file name.
func fileName(title string) string {
	var b strings.Builder
	for _, r := range title {
		switch {
		case r == '/' || r == '\\' || r == ':' || r < ' ':
			b.WriteRune('-')
		default:
			b.WriteRune(r)
		}
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		return s
	}
	return "pair"
}

// showWelcome walks a new user through the first steps.
func (u *UI) showWelcome() {
	intro := wrapLabel("Pairwise keeps your mentoring agreement, goals and check-ins in one place that you and your partner share. " +
		"It works offline and syncs through your organisation's relay whenever you are online.\n\n" +
		"1. Set your name and your organisation's relay (Settings).\n2. Create a pair, or join one with the invite code your partner sent.\n3. Agree how often you will meet, and sign the agreement together.")
	create := widget.NewButtonWithIcon("Create a pair", theme.ContentAddIcon(), u.newPairDialog)
	create.Importance = widget.HighImportance
	join := widget.NewButtonWithIcon("Join with a code", theme.LoginIcon(), u.joinDialog)
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), u.settingsDialog)
	body := container.NewVBox(intro, container.NewHBox(create, join, settings))
	if restore := u.restoreButton(); restore != nil {
		body.Add(container.NewHBox(restore))
	}
	card := widget.NewCard("Welcome to Pairwise", "Mentoring that keeps its rhythm", body)
	u.main.Objects = []fyne.CanvasObject{container.NewCenter(container.NewGridWrap(fyne.NewSize(560, 360), card))}
	u.main.Refresh()
}

// removeDialog confirms, then removes a pair or a cohort from this
// computer. Changes that have not reached the relay are named, and removing
// anyway takes a second, explicit choice.
func (u *UI) removeDialog(id, what string) {
	msg := fmt.Sprintf("Remove this %s from this computer? Everyone else's copy, and the relay's, stay as they are; joining again from an invite brings it back.", what)
	if what == "cohort" {
		if meta, err := u.ws.Meta(id); err == nil && !meta.ReadOnly() {
			msg += " If you are its only manager, make a co-manager first: no one else can change the programme."
		}
	}
	dialog.ShowConfirm("Remove "+what, msg, func(ok bool) {
		if !ok {
			return
		}
		err := u.ws.Remove(id, false)
		if errors.Is(err, workspace.ErrUnsynced) {
			dialog.ShowConfirm("Changes not synced", explain(err)+"\n\nRemove anyway?", func(ok bool) {
				if ok {
					u.removed(u.ws.Remove(id, true))
				}
			}, u.win)
			return
		}
		u.removed(err)
	}, u.win)
}

// removed shows what is left after a removal.
func (u *UI) removed(err error) {
	if err != nil {
		u.showError(err)
		return
	}
	u.saved.SetText("Removed from this computer")
	u.current, u.pv, u.cv = "", nil, nil
	u.reloadPairs()
	u.reloadCohorts()
	if len(u.pairs) > 0 {
		u.open(u.pairs[0].ID)
	} else {
		u.showWelcome()
	}
}
