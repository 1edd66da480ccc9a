package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"pairwise/app/mentoring"
)

// fakeTimer is the reminders loop's clock and timer in a test: the loop
// says how long it means to sleep (waits), and the test moves the clock
// and wakes it (fire).
type fakeTimer struct {
	mu    sync.Mutex
	at    time.Time
	waits chan time.Duration
	fire  chan time.Time
	ctx   context.Context
}

func (f *fakeTimer) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.at
}

func (f *fakeTimer) after(d time.Duration) <-chan time.Time {
	select {
	case f.waits <- d:
	case <-f.ctx.Done():
	}
	return f.fire
}

// sleep waits for the loop to go to sleep (its check done) and returns how
// long it asked to.
func (f *fakeTimer) sleep(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-f.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("the reminders loop did not go to sleep")
		return 0
	}
}

// wake moves the clock to at and wakes the loop.
func (f *fakeTimer) wake(at time.Time) {
	f.mu.Lock()
	f.at = at
	f.mu.Unlock()
	f.fire <- at
}

// The loop sleeps until the moment a meeting's reminder falls due and
// notifies it then, with the time and the link; a meeting moved to
// within a quarter of an hour is noticed within seconds, not at the next
// wake-up.
func TestRemindLoopNotifiesAtTheMoment(t *testing.T) {
	u, ws := setup(t)
	pair, _ := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetTimeZone(p, me, "Europe/Lisbon")
	}); err != nil {
		t.Fatal(err)
	}
	meeting, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.ScheduleMeeting(p, me, mentoring.MeetingInput{At: "2026-11-23 10:00", Zone: "Europe/Lisbon", Link: "https://meet.example.org/ab"}, u.now())
	})
	if err != nil {
		t.Fatal(err)
	}
	dayBefore := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) // Lisbon is on UTC in November

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &fakeTimer{at: dayBefore.Add(-30 * time.Second), waits: make(chan time.Duration), fire: make(chan time.Time), ctx: ctx}
	done := make(chan struct{})
	test.AssertNotificationSent(t, nil, func() {
		go func() {
			remind(ctx, u.app, ws, f.now, f.after)
			close(done)
		}()
		if d := f.sleep(t); d != 30*time.Second {
			t.Errorf("half a minute before the day-before reminder, the loop sleeps %v, want 30s", d)
		}
	})
	test.AssertNotificationSent(t, fyne.NewNotification("Check-in of Ana & Ben tomorrow at 10:00",
		"Mon 23 Nov 10:00 your time\nJoin: https://meet.example.org/ab"), func() {
		f.wake(dayBefore)
		if d := f.sleep(t); d != remindCheck {
			t.Errorf("a day before the next reminder, the loop sleeps %v, want %v", d, remindCheck)
		}
	})

	// Ana moves the meeting to ten minutes from now: the change wakes the
	// loop within seconds.
	test.AssertNotificationSent(t, fyne.NewNotification("Check-in of Ana & Ben in 10 minutes",
		"Sun 22 Nov 10:10 your time\nJoin: https://meet.example.org/ab"), func() {
		if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.RescheduleMeeting(p, me, meeting, "2026-11-22 10:10", "Europe/Lisbon", u.now())
		}); err != nil {
			t.Fatal(err)
		}
		if d := f.sleep(t); d != changeSettle {
			t.Errorf("after a change the loop sleeps %v, want %v", d, changeSettle)
		}
		f.wake(dayBefore.Add(changeSettle))
		f.sleep(t)
	})
	test.AssertNotificationSent(t, nil, func() {
		f.wake(dayBefore.Add(time.Minute))
		f.sleep(t)
	})
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the reminders loop did not stop with its context")
	}
}

// The reminder times are chosen in Settings and kept by the workspace; a
// choice of none is explained and changes nothing.
func TestSettingsChooseTheMeetingReminders(t *testing.T) {
	u, ws := setup(t)
	u.settingsDialog()
	dlg := topOverlay(t, u)
	for label, want := range map[string]bool{"5 minutes": false, "15 minutes": true, "1 hour": false, "1 day": true} {
		if got := check(t, dlg, label).Checked; got != want {
			t.Errorf("%q ticked: got %v, want %v (the defaults)", label, got, want)
		}
	}
	check(t, dlg, "1 day").SetChecked(false)
	check(t, dlg, "1 hour").SetChecked(true)
	check(t, dlg, "5 minutes").SetChecked(true)
	test.Tap(button(t, dlg, "Save"))
	if got := ws.ReminderLeads(); !slices.Equal(got, []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour}) {
		t.Fatalf("after saving: got %v, want [5m 15m 1h]", got)
	}

	u.settingsDialog()
	dlg = topOverlay(t, u)
	if !check(t, dlg, "1 hour").Checked || check(t, dlg, "1 day").Checked {
		t.Error("Settings opened again do not show the times chosen")
	}
	for _, label := range []string{"5 minutes", "15 minutes", "1 hour"} {
		check(t, dlg, label).SetChecked(false)
	}
	test.Tap(button(t, dlg, "Save"))
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "at least one time") {
		t.Errorf("no time ticked: the window says %q", text)
	}
	if got := ws.ReminderLeads(); len(got) != 3 {
		t.Errorf("a refused choice changed the reminders to %v", got)
	}
}
