package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/crdt"
)

// field is an entry bound to one value of the pair. It remembers the value
// it was loaded with (its base), so a save sends only what the person
// changed and text edits are rebased over the partner's concurrent ones.
type field struct {
	entry *widget.Entry
	base  string
	dirty *bool
}

func newField(multiline bool, placeholder string, dirty *bool) *field {
	f := &field{dirty: dirty}
	if multiline {
		f.entry = widget.NewMultiLineEntry()
		f.entry.Wrapping = fyne.TextWrapWord
		f.entry.SetMinRowsVisible(3)
	} else {
		f.entry = widget.NewEntry()
	}
	f.entry.SetPlaceHolder(placeholder)
	f.entry.OnChanged = func(string) {
		if f.entry.Text != f.base {
			*f.dirty = true
		}
	}
	return f
}

// load shows v unless the person has unsaved edits.
func (f *field) load(v string) {
	f.base = v
	f.entry.SetText(v)
}

// changed returns the new value if the person changed it.
func (f *field) changed() *string {
	if f.entry.Text == f.base {
		return nil
	}
	v := f.entry.Text
	return &v
}

// rebased returns the person's text carried over current, if they changed it.
func (f *field) rebased(current string) *string {
	if f.entry.Text == f.base {
		return nil
	}
	v := crdt.Rebase(f.base, f.entry.Text, current)
	return &v
}

// dateBox gives a date entry room for its placeholder beside a wide field.
func dateBox(e *widget.Entry) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(150, e.MinSize().Height), e)
}
