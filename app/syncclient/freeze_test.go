package syncclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// throughHolding points x at the holding relay h before it makes or joins
// any pair, so its pairs are synced through h.
func throughHolding(t *testing.T, x *replica, h *holdingRelay) {
	t.Helper()
	if err := x.ws.UpdateSettings(func(s *workspace.Settings) { s.Relay = h.url }); err != nil {
		t.Fatal(err)
	}
}

// A relay that takes this computer's changes and never sends them back is
// holding records back from it, so probably the partner's too: the engine
// says so in plain words, in a running sync and in a one-off one, and
// stops saying so once the records come back.
func TestRelayHoldingBackOwnChangesIsReported(t *testing.T) {
	r := startRelay(t)
	h := startHoldingRelay(t, r)
	a := newReplica(t, r)
	throughHolding(t, a, h)
	pair, err := a.ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	a.mustSync() // nothing held yet: the relay has the pair
	key, err := a.ws.DeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	h.hold(key.ID())

	// A one-off sync gives up with a sentence rather than waiting forever.
	a.addGoal(pair, "pushed while held")
	once := NewWith(a.ws, Options{Logf: t.Logf, HeldAfter: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err = once.SyncOnce(ctx)
	cancel()
	if !errors.Is(err, ErrWithheld) || !strings.Contains(err.Error(), "The relay took 1 change to pair \"Ana & Ben\" from this computer but has not sent them back") {
		t.Fatalf("a one-off sync through a relay holding records back: got %v, want ErrWithheld saying so", err)
	}
	if s := once.Status(); s.State != Withheld || !strings.Contains(s.String(), "Ask the relay's admin") {
		t.Fatalf("after that sync the status reads %q (state %d), want it to say the relay holds changes back", s, s.State)
	}

	// A running engine: synced at first, then three changes go up, are
	// acknowledged, and never come back.
	eng := NewWith(a.ws, Options{Logf: t.Logf, HeldAfter: 200 * time.Millisecond})
	runEngine(t, eng)
	dropped := h.droppedFrames()
	for _, g := range []string{"one", "two", "three"} {
		a.addGoal(pair, g)
	}
	s := waitStatus(t, eng, "withheld", func(s Status) bool { return s.State == Withheld })
	want := "The relay took 3 changes to pair \"Ana & Ben\" from this computer but has not sent them back for "
	if got := s.String(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "it may be holding back your partner's changes too. Ask the relay's admin.") {
		t.Fatalf("status %q, want it to start %q and say what to do", got, want)
	}
	// The scenario happened: the relay has every change (the outbox is
	// empty) and the proxy held their records back.
	if st, _ := a.ws.SyncState(pair); st.Pending() != 0 {
		t.Fatalf("%d changes were never acknowledged: the relay did not take them", st.Pending())
	}
	if h.droppedFrames() <= dropped {
		t.Fatal("no records were held back after the three changes")
	}

	// The relay sends them after all (here: it stops holding and the
	// engine reconnects): the status is back to synced.
	h.release(key.ID())
	h.cut()
	s = waitStatus(t, eng, "synced again", func(s Status) bool { return s.State == Synced })
	if strings.Contains(s.String(), "relay took") {
		t.Fatalf("status %q still says the relay holds changes back", s)
	}
}
