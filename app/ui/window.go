package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/applog"
	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

// UI is the state of the main window.
type UI struct {
	app    fyne.App
	win    fyne.Window
	ws     *workspace.Workspace
	eng    Syncer
	now    func() time.Time
	demo   bool
	logf   func(string, ...any) // the app's log (see Run); it never gets pair content
	log    *applog.Log          // the log file Settings shows, if there is one
	logErr error                // why there is none

	pairs    []workspace.Summary
	current  string
	pairList *widget.List
	main     *fyne.Container
	status   *widget.Label
	stopped  string                      // the sync failure last shown in a dialog
	held     bool                        // the relay holding changes back was shown in a dialog
	busy     *widget.ProgressBarInfinite // shown while the engine is syncing
	saved    *widget.Label
	pv       *pairView

	cohorts    []workspace.CohortSummary
	cohortList *widget.List
	cv         *cohortView // the cohort shown instead of a pair, if any

	// editing is set while an edit made here is being stored: the code
	// that made it refreshes the pair view once it has updated its own
	// state, so the change notification does not (see changed).
	editing bool
	counts  uiCounts
}

// uiCounts count screen updates, for tests that guard against a change
// redrawing more than once.
type uiCounts struct {
	pairViewRefreshes int // pairView.refresh
	pairReloads       int // reloadPairs: every pair summarised again
}

func (u *UI) build() {
	u.status = widget.NewLabel("")
	u.busy = widget.NewProgressBarInfinite()
	u.busy.Hide()
	u.saved = widget.NewLabel("")
	u.pairList = widget.NewList(
		func() int { return len(u.pairs) },
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			title.Truncation = fyne.TextTruncateEllipsis
			sub := widget.NewLabel("")
			sub.Truncation = fyne.TextTruncateEllipsis
			sub.SizeName = theme.SizeNameCaptionText
			return container.NewVBox(title, sub)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(u.pairs[i].Title)
			box.Objects[1].(*widget.Label).SetText(u.pairLine(u.pairs[i]))
		},
	)
	u.pairList.OnSelected = func(i widget.ListItemID) {
		if i < len(u.pairs) && u.pairs[i].ID != u.current {
			u.open(u.pairs[i].ID)
		}
	}
	u.cohortList = widget.NewList(
		func() int { return len(u.cohorts) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.AccountIcon()), nil, l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := u.cohorts[i]
			line := c.Title
			if !c.Ready {
				line = "Cohort (waiting for the first sync)"
			} else if c.Manager {
				line += fmt.Sprintf(" · %d pairs", c.Pairs)
			}
			o.(*fyne.Container).Objects[0].(*widget.Label).SetText(line)
		},
	)
	u.cohortList.OnSelected = func(i widget.ListItemID) {
		if i < len(u.cohorts) {
			u.openCohort(u.cohorts[i].ID)
		}
	}
	newCohort := widget.NewButtonWithIcon("", theme.ContentAddIcon(), u.newCohortDialog)
	cohortHeader := container.NewBorder(nil, nil, nil, newCohort, widget.NewLabelWithStyle("Cohorts", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	newBtn := widget.NewButtonWithIcon("New pair", theme.ContentAddIcon(), u.newPairDialog)
	joinBtn := widget.NewButtonWithIcon("Join", theme.LoginIcon(), u.joinDialog)
	settingsBtn := widget.NewButtonWithIcon("", theme.SettingsIcon(), u.settingsDialog)
	header := container.NewBorder(nil, nil, nil, settingsBtn, widget.NewLabelWithStyle("Your pairs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	cohorts := container.NewBorder(cohortHeader, nil, nil, nil, u.cohortList)
	lists := container.NewVSplit(u.pairList, cohorts)
	lists.Offset = 0.72
	side := container.NewBorder(header, container.NewGridWithColumns(2, newBtn, joinBtn), nil, nil, lists)

	u.main = container.NewStack()
	split := container.NewHSplit(side, u.main)
	split.Offset = 0.24
	// The status takes what width is left: a sync that stopped explains
	// itself in a sentence or two, which must not widen the window, so the
	// line is cut short and the whole of it shown once in a dialog.
	u.status.Truncation = fyne.TextTruncateEllipsis
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(container.NewGridWrap(fyne.NewSize(120, 8), u.busy), u.saved), u.status)
	u.win.SetContent(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), bar), nil, nil, split))
	u.win.SetOnDropped(u.dropped) // a file of changes (bundle.go)

	u.ws.Watch(func(doc string) { fyne.Do(func() { u.changed(doc) }) })
	// Unsynced counts change as the relay acknowledges: the pair's line
	// shows its own.
	u.ws.WatchPending(func(doc string) { fyne.Do(func() { u.pendingChanged(doc) }) })
	if u.eng != nil {
		u.eng.OnStatus(func(s syncclient.Status) {
			fyne.Do(func() { u.showStatus(s) })
		})
		u.showStatus(u.eng.Status())
	}
	u.shortcuts()
	u.reloadPairs()
	u.reloadCohorts()
	last := u.app.Preferences().String(prefLastPair)
	switch {
	case u.has(last):
		u.open(last)
	case len(u.pairs) > 0:
		u.open(u.pairs[0].ID)
	default:
		u.showWelcome()
	}
}

func (u *UI) shortcuts() {
	c := u.win.Canvas()
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { u.newPairDialog() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyJ, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { u.joinDialog() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if u.pv != nil {
			u.pv.save()
		}
	})
	for i, key := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7} {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
			if u.pv != nil && i < len(u.pv.tabs.Items) {
				u.pv.tabs.SelectIndex(i)
			}
		})
	}
}

func (u *UI) has(id string) bool {
	for _, p := range u.pairs {
		if p.ID == id {
			return true
		}
	}
	return false
}

func (u *UI) pairLine(s workspace.Summary) string {
	if !s.Ready {
		return "waiting for the first sync"
	}
	line := "not joined yet"
	if s.Partner != "" {
		line = "with " + s.Partner
	}
	if p, err := u.ws.Pair(s.ID); err == nil {
		// A scheduled meeting says more than the rhythm, which counts
		// from it.
		if m, ok := p.NextMeeting(u.now()); ok {
			me, _ := u.ws.Me(s.ID)
			line += " · meeting " + shortMeetingTime(m.At, u.now().In(mentoring.MemberZone(p, me, u.now().Location())))
		} else if r := mentoring.RhythmOn(p, u.now()); r.State != mentoring.NoCadence {
			line += " · " + r.String()
		}
	}
	if s.Unread > 0 {
		line += fmt.Sprintf(" · %d unread", s.Unread)
	}
	if s.Closed {
		line += " · closed"
	}
	if s.Pending > 0 {
		line += fmt.Sprintf(" · %d unsynced", s.Pending)
	}
	return line
}

func (u *UI) reloadPairs() {
	u.counts.pairReloads++
	list, err := u.ws.List()
	if err != nil {
		u.showError(err)
		return
	}
	u.pairs = list
	u.pairList.Refresh()
	for i, p := range u.pairs {
		if p.ID == u.current {
			u.pairList.Select(i)
		}
	}
}

// open shows a pair's workspace.
func (u *UI) open(id string) {
	u.current, u.cv = id, nil
	u.cohortList.UnselectAll()
	u.app.Preferences().SetString(prefLastPair, id)
	u.pv = newPairView(u, id)
	u.main.Objects = []fyne.CanvasObject{u.pv.content}
	u.main.Refresh()
	for i, p := range u.pairs {
		if p.ID == id {
			u.pairList.Select(i)
		}
	}
}

// updatePair brings one pair's line in the list up to date, or the whole
// list when the pair is new or gone.
func (u *UI) updatePair(doc string) {
	for i, p := range u.pairs {
		if p.ID != doc {
			continue
		}
		s, err := u.ws.Summary(doc)
		if err != nil {
			u.reloadPairs()
			return
		}
		if s != p {
			u.pairs[i] = s
			u.pairList.RefreshItem(i)
		}
		return
	}
	u.reloadPairs()
}

// pendingChanged runs on the UI goroutine when a pair's count of unsynced
// changes changed.
func (u *UI) pendingChanged(doc string) {
	for i := range u.pairs {
		if u.pairs[i].ID == doc {
			if n := u.ws.PendingIn(doc); n != u.pairs[i].Pending {
				u.pairs[i].Pending = n
				u.pairList.RefreshItem(i)
			}
			return
		}
	}
}

// changed runs on the UI goroutine after any pair changed.
func (u *UI) changed(doc string) {
	meta, err := u.ws.Meta(doc)
	switch {
	case err != nil: // removed
		u.reloadPairs()
	case meta.Kind == "":
		u.updatePair(doc)
	default:
		// A cohort's documents are read whole, so only when one of them
		// changed (a pair's change reaches its cohort's page through its
		// board).
		u.reloadCohorts()
		if u.cv != nil && (doc == u.cv.id || meta.Cohort == u.cv.id) {
			u.cv.refresh()
		}
	}
	// Once per change: not while an edit made here is stored (its maker
	// refreshes), nor for a change the view shows already (the
	// notification of an edit made here may come after that refresh).
	if pv := u.pv; pv != nil && doc == u.current && !u.editing && !pv.refreshing && u.ws.Revision(doc) != pv.shown {
		pv.refresh()
	}
	if u.eng != nil {
		u.showStatus(u.eng.Status())
	}
}

// showStatus puts the sync status in the status bar, with a moving bar
// while changes are being exchanged.
func (u *UI) showStatus(s syncclient.Status) {
	line, why := s.String(), sentence(s.Detail)
	if s.State == syncclient.Refused && s.Err != nil {
		why = explain(s.Err)
		line = "Sync stopped: " + why
	}
	u.status.SetText(line)
	switch {
	case s.State == syncclient.Refused && s.Detail != u.stopped:
		// Retrying will not help; say once, in full, what to do.
		u.stopped = s.Detail
		dialog.ShowInformation("Sync stopped", why, u.win)
	case s.State == syncclient.Withheld && !u.held:
		// Said once until the changes come back: the sentence counts the
		// minutes, which must not open a dialog each time.
		u.held = true
		dialog.ShowInformation("Changes held back", s.Detail, u.win)
	case s.State == syncclient.Synced:
		u.stopped, u.held = "", false
	}
	if s.State == syncclient.Syncing {
		u.busy.Show()
		u.busy.Start()
	} else {
		u.busy.Stop()
		u.busy.Hide()
	}
}

// edit applies one edit to the current pair and says "Saved" once it is on
// disk; refusals are shown as the sentence the model wrote.
// edit changes the current pair. On success the caller refreshes the pair
// view, once it has updated its own state (cleared a form, selected what
// the edit created).
func (u *UI) edit(build workspace.Editor) (string, bool) {
	id, err := u.tryEdit(build)
	if err != nil {
		u.showError(err)
		return "", false
	}
	return id, true
}

// tryEdit is edit for a dialog that says a refusal itself.
func (u *UI) tryEdit(build workspace.Editor) (string, error) {
	u.editing = true
	id, err := u.ws.Edit(u.current, build)
	u.editing = false
	if err != nil {
		return "", err
	}
	u.saved.SetText("Saved " + u.now().Format("15:04:05"))
	return id, nil
}

// showError says err in a dialog, in the window's words (explain).
func (u *UI) showError(err error) {
	label, msg := describe(err)
	if errors.Is(err, mentoring.ErrInvalid) {
		dialog.ShowInformation("Please check", sentence(msg), u.win)
		return
	}
	u.logf("ui: showed an error: %s", label)
	dialog.ShowError(errors.New(sentence(msg)), u.win)
}
