package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

type channelRow struct {
	on      *widget.Check
	purpose *widget.Entry
	hours   *widget.Entry
}

// agreementForm edits the mentoring agreement and collects signatures.
type agreementForm struct {
	v       *pairView
	content fyne.CanvasObject
	dirty   bool

	cadence, start, end, review                    *field
	availability, boundaries, confidential, expect *field
	channels                                       map[string]*channelRow
	signs                                          *fyne.Container
	signBtn                                        *widget.Button
	banner                                         *widget.Label
	tz, hours                                      *widget.Entry
	youDirty                                       bool
}

func newAgreementForm(v *pairView) *agreementForm {
	f := &agreementForm{v: v, channels: map[string]*channelRow{}}
	d := &f.dirty
	f.cadence = newField(false, "e.g. 14", d)
	f.start, f.end, f.review = newField(false, "YYYY-MM-DD", d), newField(false, "YYYY-MM-DD", d), newField(false, "YYYY-MM-DD", d)
	f.availability = newField(true, "When each of you is available, and in which time zone", d)
	f.boundaries = newField(true, "What is in scope, and what is not", d)
	f.confidential = newField(true, "What stays between you", d)
	f.expect = newField(true, "What you expect of each other: preparation, response times, how to pause", d)
	chans := container.NewVBox()
	for _, kind := range mentoring.Channels {
		row := &channelRow{on: widget.NewCheck(kind, func(bool) { f.dirty = true }), purpose: widget.NewEntry(), hours: widget.NewEntry()}
		row.purpose.SetPlaceHolder("what you use it for")
		row.hours.SetPlaceHolder("reply within (hours)")
		row.purpose.OnChanged = func(string) { f.dirty = true }
		row.hours.OnChanged = func(string) { f.dirty = true }
		f.channels[kind] = row
		chans.Add(container.NewGridWithColumns(3, row.on, row.purpose, row.hours))
	}
	form := widget.NewForm(
		widget.NewFormItem("Meet every (days)", f.cadence.entry),
		widget.NewFormItem("Starts", f.start.entry),
		widget.NewFormItem("Ends", f.end.entry),
		widget.NewFormItem("Review on", f.review.entry),
		widget.NewFormItem("Channels", chans),
		widget.NewFormItem("Availability", f.availability.entry),
		widget.NewFormItem("Boundaries", f.boundaries.entry),
		widget.NewFormItem("Confidentiality", f.confidential.entry),
		widget.NewFormItem("Expectations", f.expect.entry),
	)
	saveBtn := widget.NewButtonWithIcon("Save agreement", theme.DocumentSaveIcon(), f.save)
	saveBtn.Importance = widget.HighImportance
	f.signBtn = widget.NewButtonWithIcon("Sign this version", theme.ConfirmIcon(), f.sign)
	f.signs = container.NewVBox()
	f.banner = widget.NewLabel("")
	f.banner.Hide()
	f.tz, f.hours = widget.NewEntry(), widget.NewEntry()
	f.tz.SetPlaceHolder("e.g. Europe/Lisbon")
	f.hours.SetPlaceHolder("e.g. mon-fri 09:00-18:00")
	f.tz.OnChanged = func(string) { f.youDirty = true }
	f.hours.OnChanged = func(string) { f.youDirty = true }
	saveYou := widget.NewButtonWithIcon("Save my time zone and hours", theme.DocumentSaveIcon(), f.saveYou)
	you := widget.NewCard("You", "Your partner sees your local time, and a gentle note if they message outside your hours.",
		container.NewVBox(widget.NewForm(widget.NewFormItem("Time zone", f.tz), widget.NewFormItem("Contact hours", f.hours)), container.NewHBox(saveYou)))
	sign := widget.NewCard("Signatures", "Signing says you both agree to this version. Any later change asks you to sign again.", container.NewVBox(f.signs, f.signBtn))
	f.content = container.NewVScroll(container.NewPadded(container.NewVBox(f.banner, form, container.NewHBox(saveBtn), sign, you)))
	return f
}

func (f *agreementForm) refresh() {
	a := f.v.p.Agreement
	if f.dirty {
		f.banner.SetText("Your partner changed the agreement. Your unsaved edits are kept; Save merges them.")
		f.banner.Show()
	} else {
		if a.CadenceDays > 0 {
			f.cadence.load(strconv.Itoa(a.CadenceDays))
		} else {
			f.cadence.load("")
		}
		f.start.load(a.Start)
		f.end.load(a.End)
		f.review.load(a.Review)
		f.availability.load(a.Availability)
		f.boundaries.load(a.Boundaries)
		f.confidential.load(a.Confidentiality)
		f.expect.load(a.Expectations)
		for _, row := range f.channels {
			row.on.SetChecked(false)
			row.purpose.SetText("")
			row.hours.SetText("")
		}
		for _, c := range a.Channels {
			row := f.channels[c.Kind]
			row.on.SetChecked(true)
			row.purpose.SetText(c.Purpose)
			if c.ResponseHours > 0 {
				row.hours.SetText(strconv.Itoa(c.ResponseHours))
			}
		}
		f.dirty = false
		f.banner.Hide()
	}
	if m, ok := f.v.p.Member(f.v.me); ok && !f.youDirty {
		f.tz.SetText(m.TimeZone)
		f.hours.SetText(m.Hours)
		f.youDirty = false
	}
	f.signs.Objects = nil
	for _, m := range f.v.p.Members {
		line := fmt.Sprintf("%s: %s", f.v.name(m.ID), a.SignState(m.ID))
		for _, s := range a.Signatures {
			if s.Member == m.ID {
				line += " on " + s.At.Local().Format("2 Jan 2006")
				if a.SignState(m.ID) == mentoring.SignedEarlier {
					line += " — changed since"
				}
			}
		}
		f.signs.Add(widget.NewLabel(line))
	}
	f.signs.Refresh()
	if a.SignState(f.v.me) == mentoring.Signed {
		f.signBtn.Disable()
	} else {
		f.signBtn.Enable()
	}
}

func (f *agreementForm) save() {
	in := mentoring.AgreementInput{Start: f.start.changed(), End: f.end.changed(), Review: f.review.changed()}
	if s := f.cadence.changed(); s != nil {
		n, err := strconv.Atoi(*s)
		if err != nil {
			f.v.u.showError(mentoring.Invalidf("the cadence is a number of days, such as 14"))
			return
		}
		in.CadenceDays = &n
	}
	cur := f.v.p.Agreement
	for _, kind := range mentoring.Channels {
		row := f.channels[kind]
		var was *mentoring.Channel
		for _, c := range cur.Channels {
			if c.Kind == kind {
				c := c
				was = &c
			}
		}
		var now *mentoring.Channel
		if row.on.Checked {
			hours, _ := strconv.Atoi(row.hours.Text)
			now = &mentoring.Channel{Kind: kind, Purpose: row.purpose.Text, ResponseHours: hours}
		}
		if (was == nil) != (now == nil) || (was != nil && *was != *now) {
			if in.Channels == nil {
				in.Channels = map[string]*mentoring.Channel{}
			}
			in.Channels[kind] = now
		}
	}
	_, ok := f.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		a := p.Agreement
		in.Availability = f.availability.rebased(a.Availability)
		in.Boundaries = f.boundaries.rebased(a.Boundaries)
		in.Confidentiality = f.confidential.rebased(a.Confidentiality)
		in.Expectations = f.expect.rebased(a.Expectations)
		return mentoring.SetAgreement(p, in)
	})
	if ok {
		f.dirty = false
		f.v.refresh()
	}
}

func (f *agreementForm) sign() {
	if f.dirty {
		f.save()
		if f.dirty {
			return
		}
	}
	if _, ok := f.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.Sign(p, me, f.v.u.now()) }); ok {
		f.v.refresh()
	}
}

// saveYou records this member's time zone and contact hours.
func (f *agreementForm) saveYou() {
	m, _ := f.v.p.Member(f.v.me)
	tz, hours := strings.TrimSpace(f.tz.Text), strings.TrimSpace(f.hours.Text)
	if tz != m.TimeZone {
		if _, ok := f.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.SetTimeZone(p, me, tz) }); !ok {
			return
		}
	}
	if hours != m.Hours {
		if _, ok := f.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.SetHours(p, me, hours) }); !ok {
			return
		}
	}
	f.youDirty = false
	f.v.refresh()
}
