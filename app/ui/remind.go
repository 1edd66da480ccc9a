package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/workspace"
)

// The reminders loop sleeps until the next meeting reminder falls due, to
// the second, but never longer than remindCheck: timers count the time the
// computer is awake, so after a suspend, or a change of the clock, the
// loop catches up within that. Rhythm and cohort reminders, which go by
// the day, are checked on the same wake-ups.
const (
	remindCheck = time.Minute
	// changeSettle is how soon a change to a pair (a meeting scheduled,
	// moved or cancelled here or by the partner) is looked at: once for a
	// burst of changes, which a sync can bring.
	changeSettle = 2 * time.Second
	// remindFloor keeps the loop from spinning on a moment just passed.
	remindFloor = time.Second
)

// remind sends a desktop notification for each reminder that is due, once
// per occasion, until ctx ends. now is the clock and after the timer (the
// real ones in the app; a test's own in tests).
func remind(ctx context.Context, a fyne.App, ws *workspace.Workspace, now func() time.Time, after func(time.Duration) <-chan time.Time) {
	changed := make(chan struct{}, 1)
	ws.Watch(func(string) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	for {
		select { // a change before this check is covered by it
		case <-changed:
		default:
		}
		t := now()
		sendNudges(a, ws, t)
		wake := after(remindWait(ws, t))
		var soon <-chan time.Time
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
				break wait
			case <-soon:
				break wait
			case <-changed:
				if soon == nil {
					soon = after(changeSettle)
				}
			}
		}
	}
}

// remindWait is how long the loop may sleep after checking at now.
func remindWait(ws *workspace.Workspace, now time.Time) time.Duration {
	wait := remindCheck
	if at, ok := ws.NextReminderAt(now); ok {
		wait = min(wait, max(at.Sub(now), remindFloor))
	}
	return wait
}

// sendNudges notifies every due reminder and records it as shown. A
// meeting's reminder carries its join link written out: a notification
// cannot be clicked through to it.
func sendNudges(a fyne.App, ws *workspace.Workspace, now time.Time) []workspace.PairNudge {
	due, err := ws.DueNudges(now)
	if err != nil {
		return nil
	}
	for _, n := range due {
		a.SendNotification(fyne.NewNotification(n.Title, n.Body))
		_ = ws.Nudged(n.Pair, n.Key)
	}
	return due
}

// reminderChoices are the times before a meeting Settings offers.
var reminderChoices = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour}

// leadChecks is the Settings row that chooses how long before each
// scheduled meeting this member is reminded on this computer.
type leadChecks struct {
	row     *fyne.Container
	checks  []*widget.Check
	leads   []time.Duration // what each check stands for
	current []time.Duration
}

// newLeadChecks offers the usual times, and any other time already chosen
// (through an older version or by hand), ticked as they are now.
func newLeadChecks(current []time.Duration) *leadChecks {
	l := &leadChecks{row: container.NewHBox(), current: current}
	l.leads = append(slices.Clone(reminderChoices), current...)
	slices.Sort(l.leads)
	l.leads = slices.Compact(l.leads)
	for _, d := range l.leads {
		c := widget.NewCheck(workspace.LeadText(d), nil)
		c.SetChecked(slices.Contains(current, d))
		l.checks = append(l.checks, c)
		l.row.Add(c)
	}
	return l
}

func (l *leadChecks) item() *widget.FormItem {
	it := widget.NewFormItem("Meeting reminders", l.row)
	it.HintText = "How long before each scheduled meeting to remind you, on this computer"
	return it
}

// save stores the times ticked, if they changed.
func (l *leadChecks) save(ws *workspace.Workspace) error {
	var chosen []time.Duration
	for i, c := range l.checks {
		if c.Checked {
			chosen = append(chosen, l.leads[i])
		}
	}
	if slices.Equal(chosen, l.current) {
		return nil
	}
	return ws.SetReminderLeads(chosen)
}
