package store

import (
	"testing"
	"time"
)

func waitSendFirst(t *testing.T, d time.Duration) {
	old := sendFirstWait
	sendFirstWait = d
	t.Cleanup(func() { sendFirstWait = old })
}

// With a sender standing by, a change that may go before its sync is
// synced only once the sender has it on its way: the sync no longer takes
// the CPU from the send. The edit still returns only once it is on disk.
func TestAChangeIsSentBeforeItsSync(t *testing.T) {
	waitSendFirst(t, time.Minute)
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	// Change 2 is the first after opening: it goes only after its own sync
	// (reserve_test.go), and reserves the numbers of 3 and on.
	if _, err := s.AppendLocal("d1", []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	queued := make(chan struct{}, 1)
	s.OnQueued(func(string) bool {
		select {
		case queued <- struct{}{}:
		default:
		}
		return true
	})
	before := s.syncs.Load()
	done := make(chan error, 1)
	go func() {
		_, err := s.AppendLocal("d1", []byte("three"), true)
		done <- err
	}()
	<-queued
	out, err := s.Outbox("d1", 3, 10)
	if err != nil || len(out) != 1 || string(out[0].Data) != "three" {
		t.Fatalf("while the edit waited the outbox handed out %v, %v; want change 3 to send", out, err)
	}
	select {
	case err := <-done:
		t.Fatalf("the edit returned (%v) before its change was sent", err)
	case <-time.After(50 * time.Millisecond):
	}
	if n := s.syncs.Load() - before; n != 0 {
		t.Fatalf("%d disk syncs before the change was sent, want none", n)
	}
	s.Sent("d1", 3)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.syncs.Load() - before; n != 1 {
		t.Fatalf("%d disk syncs for the edit, want 1: it returns only once on disk", n)
	}
	if waits, late := s.SendFirstWaits(); waits != 1 || late != 0 {
		t.Fatalf("counted %d waits, %d run out; want 1 and 0", waits, late)
	}
}

// A sender that said it would send but does not (its connection broke)
// holds an edit back by sendFirstWait at most; the edit is still synced.
func TestAnUnsentChangeIsSyncedAnyway(t *testing.T) {
	waitSendFirst(t, 20*time.Millisecond)
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	if _, err := s.AppendLocal("d1", []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	told := 0
	s.OnQueued(func(string) bool { told++; return true })
	before := s.syncs.Load()
	if _, err := s.AppendLocal("d1", []byte("three"), true); err != nil {
		t.Fatal(err)
	}
	if told != 1 {
		t.Fatalf("the sender was told %d times of the change, want 1", told)
	}
	if n := s.syncs.Load() - before; n != 1 {
		t.Fatalf("%d disk syncs for the edit, want 1", n)
	}
	if waits, late := s.SendFirstWaits(); waits != 1 || late != 1 {
		t.Fatalf("counted %d waits, %d run out; want the edit's one wait, run out", waits, late)
	}
	out, err := s.Outbox("d1", 3, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("the outbox holds %v, %v; want change 3, still to send", out, err)
	}
}

// The first edit after opening cannot go before its sync (nothing durable
// reserves its number yet, reserve_test.go): even with a sender standing
// by, it does not wait for a send that cannot come.
func TestTheFirstEditAfterOpeningDoesNotWaitToBeSent(t *testing.T) {
	waitSendFirst(t, 50*time.Millisecond)
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	told := 0
	s.OnQueued(func(string) bool { told++; return true })
	if _, err := s.AppendLocal("d1", []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	if told == 0 {
		t.Fatal("the sender was not told of the change")
	}
	if waits, _ := s.SendFirstWaits(); waits != 0 {
		t.Fatalf("the first edit after opening waited %d times to be sent; it can only go after its sync", waits)
	}
}

// A store kept in memory has no disk sync to put after the send: its edits
// do not wait for one.
func TestAStoreInMemoryDoesNotWaitToSend(t *testing.T) {
	waitSendFirst(t, 50*time.Millisecond)
	s, err := OpenInMemory(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Create("d1", map[string]string{"id": "d1"}, []byte("first"), true); err != nil {
		t.Fatal(err)
	}
	told := 0
	s.OnQueued(func(string) bool { told++; return true })
	for _, c := range []string{"two", "three", "four"} {
		if _, err := s.AppendLocal("d1", []byte(c), true); err != nil {
			t.Fatal(err)
		}
	}
	if told < 3 {
		t.Fatalf("the sender was told of %d changes, want 3 at least", told)
	}
	if waits, _ := s.SendFirstWaits(); waits != 0 {
		t.Fatalf("edits to a store in memory waited %d times to be sent, want none", waits)
	}
}
