package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/backupfile"
	"pairwise/app/workspace"
)

// Backups in the window: "Back up now…" and "Automatic backups…" in
// Settings, and "Restore a backup…" on the welcome screen of a folder that
// holds nothing yet. The work is the workspace's (backupfiles.go,
// autobackup.go, restorestage.go); key derivation takes about a second,
// so it runs off the screen's goroutine.

// backupParams are the key-derivation settings backups are written with;
// tests lower them.
var backupParams = backupfile.DefaultParams

// backupItem is Settings' Backups row.
func (u *UI) backupItem() *widget.FormItem {
	now := widget.NewButtonWithIcon("Back up now…", theme.DocumentSaveIcon(), u.backupNowDialog)
	auto := widget.NewButtonWithIcon("Automatic backups…", theme.HistoryIcon(), u.autoBackupDialog)
	status := wrapLabel(backupStatus(u.ws.Settings().Backups, u.now()))
	status.SizeName = theme.SizeNameCaptionText
	return widget.NewFormItem("Backups", container.NewVBox(container.NewHBox(now, auto), status))
}

// backupStatus says whether automatic backups run, and whether they are
// late (the folder may be on a drive that is not plugged in).
func backupStatus(p *workspace.BackupPlan, now time.Time) string {
	if p == nil {
		return "Automatic backups are off. A backup holds every pair, cohort, private note and key, sealed with your passphrase."
	}
	s := fmt.Sprintf("Every %d days into %s, keeping the last %d.", p.EveryDays, p.Folder, p.Keep)
	switch {
	case p.Last.IsZero():
		return s + " None written yet."
	case now.Sub(p.Last) > time.Duration(p.EveryDays+1)*24*time.Hour:
		return s + " Late: the last was on " + p.Last.Local().Format("2 Jan 2006") + "; check that the folder is there (the log says why)."
	}
	return s + " The last was on " + p.Last.Local().Format("2 Jan 2006 15:04") + "."
}

// passphraseForm asks for a passphrase, twice when twice is set.
func passphraseForm(twice bool) (items []*widget.FormItem, read func() ([]byte, error)) {
	first, second := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	items = []*widget.FormItem{widget.NewFormItem("Passphrase", first)}
	if twice {
		first.SetPlaceHolder("8 characters or more; several words are easy to remember")
		items = append(items, widget.NewFormItem("Again", second))
	}
	read = func() ([]byte, error) {
		switch {
		case first.Text == "":
			return nil, errors.New("enter the passphrase")
		case twice && workspace.CheckNewPassphrase([]byte(first.Text)) != nil:
			return nil, workspace.CheckNewPassphrase([]byte(first.Text))
		case twice && first.Text != second.Text:
			return nil, errors.New("the two passphrases differ; type the same one twice")
		}
		return []byte(first.Text), nil
	}
	return items, read
}

// withPassphrase asks for a backup's passphrase (twice to make one, with
// a hint under it if any), then says busy in the status line and runs
// work with it off the UI goroutine.
func (u *UI) withPassphrase(title, confirm string, twice bool, hint, busy string, work func(pass []byte)) {
	items, read := passphraseForm(twice)
	if hint != "" {
		items = append(items, widget.NewFormItem("", wrapLabel(hint)))
	}
	d := dialog.NewForm(title, confirm, "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		pass, err := read()
		if err != nil {
			u.showError(err)
			return
		}
		u.saved.SetText(busy)
		go work(pass)
	}, u.win)
	d.Resize(fyne.NewSize(520, 260))
	d.Show()
}

// backupNowDialog asks where to save a backup and its passphrase, then
// writes it.
func (u *UI) backupNowDialog() {
	save := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		os.Remove(path) // the file dialog made it empty; the backup is written whole, or not at all
		u.withPassphrase("Back up into "+filepath.Base(path), "Back up", true,
			"Without this passphrase nobody, you included, can open the backup: keep it somewhere safe.",
			"Backing up…", func(pass []byte) {
				sum, err := u.ws.WriteBackupFile(path, pass, backupParams)
				fyne.Do(func() {
					if err != nil {
						u.saved.SetText("")
						u.showError(err)
						return
					}
					u.saved.SetText(fmt.Sprintf("Backed up %s into %s", sum, path))
				})
			})
	}, u.win)
	save.SetFileName("pairwise-backup-" + u.now().Format("2006-01-02") + workspace.BackupExt)
	save.Show()
}

// Choices the automatic backups dialog offers.
var (
	everyChoices = []string{"1", "3", "7", "14", "30"}
	keepChoices  = []string{"3", "5", "10", "20"}
)

// autoBackupDialog sets automatic backups up, changes or turns them off.
func (u *UI) autoBackupDialog() {
	plan := u.ws.Settings().Backups
	on := widget.NewCheck("Back up automatically", nil)
	folder := widget.NewEntry()
	folder.SetPlaceHolder("a folder on a USB stick or another drive")
	every, keep := widget.NewSelect(everyChoices, nil), widget.NewSelect(keepChoices, nil)
	every.SetSelected("7")
	keep.SetSelected("5")
	if plan != nil {
		on.SetChecked(true)
		folder.SetText(plan.Folder)
		every.SetSelected(strconv.Itoa(plan.EveryDays))
		keep.SetSelected(strconv.Itoa(plan.Keep))
	}
	choose := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				folder.SetText(l.Path())
			}
		}, u.win)
	})
	passItems, read := passphraseForm(true)
	items := append([]*widget.FormItem{
		widget.NewFormItem("", on),
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, choose, folder)),
		widget.NewFormItem("Every (days)", every),
		widget.NewFormItem("Keep the last", keep),
	}, passItems...)
	items = append(items, widget.NewFormItem("", wrapLabel("The passphrase is kept on this computer, like your pairs' keys, so backups can run while you work.")))
	d := dialog.NewForm("Automatic backups", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		if !on.Checked {
			if err := u.ws.SetBackupPlan(nil, nil); err != nil {
				u.showError(err)
				return
			}
			u.saved.SetText("Automatic backups are off")
			return
		}
		pass, err := read()
		if err != nil {
			u.showError(err)
			return
		}
		n, _ := strconv.Atoi(every.Selected)
		k, _ := strconv.Atoi(keep.Selected)
		p := &workspace.BackupPlan{Folder: folder.Text, EveryDays: n, Keep: k}
		if plan != nil && plan.Folder == p.Folder {
			p.Last = plan.Last
		}
		if err := u.ws.SetBackupPlan(p, pass); err != nil {
			u.showError(err)
			return
		}
		u.saved.SetText(fmt.Sprintf("Backing up every %d days into %s", n, p.Folder))
	}, u.win)
	d.Resize(fyne.NewSize(600, 420))
	d.Show()
}

// runAutoBackups writes the automatic backups while the app runs: soon
// after it starts, then whenever one is due, checked every hour.
func runAutoBackups(ctx context.Context, ws *workspace.Workspace, logf func(string, ...any), after func(time.Duration) <-chan time.Time) {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(wait):
		}
		wait = time.Hour
		if now := time.Now(); ws.BackupDue(now) {
			if path, err := ws.AutoBackup(now, backupParams); err != nil {
				logf("automatic backup: %v", err)
			} else {
				logf("automatic backup written to %s", path)
			}
		}
	}
}

// restoreButton is the welcome screen's offer to restore a backup, made
// only while the folder holds no pair or cohort.
func (u *UI) restoreButton() fyne.CanvasObject {
	if ids, err := u.ws.IDs(); err != nil || len(ids) > 0 || u.demo {
		return nil
	}
	return widget.NewButtonWithIcon("Restore a backup…", theme.UploadIcon(), u.restoreDialog)
}

// restoreDialog asks for a backup file and its passphrase, restores it
// beside the data folder, and has Pairwise start again on it.
func (u *UI) restoreDialog() {
	open := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		u.withPassphrase("Restore "+filepath.Base(path), "Restore", false, "", "Restoring…", func(pass []byte) {
			ids, _ := u.ws.IDs()
			sum, err := workspace.StageRestore(u.ws.Dir(), ids, path, pass, workspace.Options{Logf: u.logf})
			fyne.Do(func() { u.restored(sum, err) })
		})
	}, u.win)
	open.Show()
}

// restored tells how a restore went; on success Pairwise quits, and its
// next start moves the restored folder in (workspace.AdoptRestored).
func (u *UI) restored(sum workspace.BackupSummary, err error) {
	u.saved.SetText("")
	if err != nil {
		u.showError(err)
		return
	}
	d := dialog.NewInformation("Backup restored",
		fmt.Sprintf("Restored %s. Pairwise closes now: start it again to see them. This computer then syncs as a new device of yours, and fetches what changed since the backup.", sum),
		u.win)
	d.SetOnClosed(u.app.Quit)
	d.Show()
}
