package ui

import (
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/bundle"
)

// Sync by file in the window: a pair's changes saved to a file for a
// partner no relay reaches (a USB stick, an e-mail attachment), and such
// a file opened from a dialog or dropped onto the window.

// bundleExt is the extension suggested for a file of changes.
const bundleExt = ".pairwise"

// filesButton is the pair's button for saving and opening files of
// changes.
func (u *UI) filesButton(id string) *widget.Button {
	var b *widget.Button
	b = widget.NewButtonWithIcon("Files", theme.StorageIcon(), func() {
		menu := fyne.NewMenu("",
			fyne.NewMenuItem("Save changes to a file…", func() { u.saveBundle(id) }),
			fyne.NewMenuItem("Open changes from a file…", u.openBundleDialog),
		)
		c := fyne.CurrentApp().Driver().CanvasForObject(b)
		if c == nil {
			return
		}
		widget.ShowPopUpMenuAtRelativePosition(menu, c, fyne.NewPos(0, b.Size().Height), b)
	})
	return b
}

// saveBundle saves every change of the pair to a file the person picks:
// the partner's copy takes what it lacks and ignores the rest.
func (u *UI) saveBundle(id string) {
	file, sum, err := u.ws.ExportBundle(id, false)
	if err != nil {
		u.showError(err)
		return
	}
	save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		if _, err := w.Write(file); err != nil {
			u.showError(fmt.Errorf("could not write %s: %w. Choose another place to save it", w.URI().Name(), err))
			return
		}
		u.saved.SetText(fmt.Sprintf("Saved %s to %s", sum.Saved(), w.URI().Name()))
	}, u.win)
	save.SetFileName(fileName(sum.Title) + " changes" + bundleExt)
	save.SetFilter(storage.NewExtensionFileFilter([]string{bundleExt}))
	save.Show()
}

// openBundleDialog asks for a file of changes and merges it.
func (u *UI) openBundleDialog() {
	open := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		u.importBundle(r)
	}, u.win)
	open.SetFilter(storage.NewExtensionFileFilter([]string{bundleExt}))
	open.Show()
}

// dropped merges each file dropped onto the window.
func (u *UI) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, uri := range uris {
		r, err := storage.Reader(uri)
		if err != nil {
			u.showError(fmt.Errorf("could not read %s: %w", uri.Name(), err))
			return
		}
		u.importBundle(r)
		r.Close()
	}
}

// importBundle merges a file of changes read from r, opens its pair and
// says what arrived.
func (u *UI) importBundle(r io.Reader) {
	raw, err := io.ReadAll(io.LimitReader(r, bundle.MaxFileBytes+1))
	if err != nil {
		u.showError(fmt.Errorf("could not read the file: %w", err))
		return
	}
	if len(raw) > bundle.MaxFileBytes {
		u.showError(fmt.Errorf("%w (it is larger than any file of changes can be). Check that you chose the right file", bundle.ErrDamaged))
		return
	}
	sum, err := u.ws.ImportBundle(raw)
	if err != nil {
		u.showError(err)
		return
	}
	u.reloadPairs()
	u.open(sum.Pair)
	title := sum.Title
	if title == "" {
		title = "The pair"
	}
	u.saved.SetText(title + ": " + sum.Arrived())
	dialog.ShowInformation("Changes opened", title+": "+sum.Arrived()+".", u.win)
}
