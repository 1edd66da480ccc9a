package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

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
