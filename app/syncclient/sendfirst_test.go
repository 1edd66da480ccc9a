package syncclient

import (
	"context"
	"strings"
	"testing"
)

// While a session pushes a pair, the engine tells the workspace it will
// send each new change at once, so the edit syncs only after the send
// (store/sendfirst.go); a read-only pair, or any pair once the session has
// ended, is not sent, and an edit must not wait for it.
func TestTheEngineSaysWhichPairsItSends(t *testing.T) {
	r := startRelay(t)
	a, b, c := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	readOnly := pairOf(t, a, c, true)

	eng := c.engine()
	if eng.markQueued(readOnly) {
		t.Fatal("an engine that has not connected says it sends the pair")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	waitStatus(t, eng, "synced", func(s Status) bool { return s.State == Synced })
	if eng.markQueued(readOnly) {
		t.Fatal("the engine says it sends a pair joined read-only")
	}
	cancel()
	<-done

	eng = b.engine()
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	waitStatus(t, eng, "synced", func(s Status) bool { return s.State == Synced })
	if !eng.markQueued(pair) {
		t.Fatal("a synced engine does not say it sends the pair's new changes")
	}
	b.addGoal(pair, "sent before its sync")
	waitFor(t, "the goal at the relay, then on the partner's side", func() bool {
		a.mustSync()
		return strings.Contains(a.json(pair), "sent before its sync")
	})
	cancel()
	<-done
	if eng.markQueued(pair) {
		t.Fatal("after its session ended the engine still says it sends the pair")
	}
}
