package store

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// The engine pushes a change it was just told of: that must not cost a
// read transaction, which may wait on Badger's own goroutine.
func TestANewChangeIsHandedOutWithoutReadingTheStore(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	for i := range 50 {
		st, err := s.AppendLocal("d1", []byte(fmt.Sprint("change ", i)), true)
		if err != nil {
			t.Fatal(err)
		}
		before := s.views.Load()
		out, err := s.Outbox("d1", st.NextDSeq-1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.views.Load() - before; n != 0 {
			t.Fatalf("change %d: Outbox opened %d read transactions for a change just written", i, n)
		}
		if len(out) != 1 || string(out[0].Data) != fmt.Sprint("change ", i) || out[0].DSeq != st.NextDSeq-1 {
			t.Fatalf("change %d: Outbox handed out %+v", i, out)
		}
	}
	// The entry Create queued is older than the tail: read from the store.
	before := s.views.Load()
	out, err := s.Outbox("d1", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if s.views.Load() == before || len(out) != 51 || string(out[0].Data) != "first" {
		t.Fatalf("the whole outbox: %d entries, %d read transactions", len(out), s.views.Load()-before)
	}
}

// Whatever happens to the outbox (pushes, acknowledgements out of step,
// renumbering, a reset, a compaction, tails cut by their bounds, a reopen),
// Outbox answers exactly what the store holds.
func TestOutboxFromMemoryMatchesTheStore(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir)
	defer func() { s.Close() }()
	rng := rand.New(rand.NewPCG(7, 12))
	fromMemory := 0
	for step := range 400 {
		st, err := s.State("d1")
		if err != nil {
			t.Fatal(err)
		}
		var op string
		switch r := rng.IntN(100); {
		case r < 60:
			op = "push"
			size := 10 + rng.IntN(40)
			switch rng.IntN(60) {
			case 0:
				size = tailMaxBytes / 3 // a few of these pass the tail's byte bound
			case 1:
				size = tailMaxBytes + 1 // over it alone
			}
			body := make([]byte, size)
			for i := range body {
				body[i] = byte(step + i)
			}
			_, err = s.AppendLocal("d1", body, true)
		case r < 85:
			op = "ack"
			if st.NextDSeq > 1 {
				_, err = s.Ack("d1", uint64(rng.Int64N(int64(st.NextDSeq))))
			}
		case r < 87:
			op = "renumber"
			err = s.Renumber("d1", st.Acked+1+uint64(rng.IntN(5)))
		case r < 91:
			op = "reset"
			_, err = s.Reset("d1")
		case r < 95:
			op = "compact"
			err = s.Compact("d1", []byte("snapshot"), st.NextChunk)
		case r < 97:
			op = "local change not pushed"
			_, err = s.AppendLocal("d1", []byte("kept here"), false)
		default:
			op = "reopen"
			if err = s.Close(); err == nil {
				s = open(t, dir)
			}
		}
		if err != nil {
			t.Fatalf("step %d (%s): %v", step, op, err)
		}
		if st, err = s.State("d1"); err != nil {
			t.Fatal(err)
		}
		froms := []uint64{1, st.Acked + 1, uint64(rng.Int64N(int64(st.NextDSeq) + 2))}
		for back := range uint64(6) {
			froms = append(froms, max(1, st.NextDSeq+1-back))
		}
		for _, from := range froms {
			max := 1 + rng.IntN(300)
			want, err := s.outboxStored("d1", from, max)
			if err != nil {
				t.Fatal(err)
			}
			if limit, capped := s.sendable("d1"); capped {
				want = slices.DeleteFunc(want, func(p Pending) bool { return p.DSeq >= limit })
			}
			before := s.views.Load()
			got, err := s.Outbox("d1", from, max)
			if err != nil {
				t.Fatal(err)
			}
			if s.views.Load() == before {
				fromMemory++
			}
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d (%s), Outbox(from %d, max %d): %d entries from %v, the store has %d from %v",
					step, op, from, max, len(got), firstSeq(got), len(want), firstSeq(want))
			}
		}
	}
	if fromMemory < 300 {
		t.Fatalf("only %d answers came from memory: the test did not exercise the tail", fromMemory)
	}
}

func firstSeq(p []Pending) any {
	if len(p) == 0 {
		return "none"
	}
	return p[0].DSeq
}

// The first edit after opening may go only once it is on disk (its number
// is not reserved yet). Outbox reads the entries and then the limit on
// sending them: an edit written between the two reads is held back too.
func TestTheFirstEditAfterOpeningWaitsForItsSync(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	defer s.Close()
	var sent []Pending
	s.OnQueued(func(string) bool {
		if sent != nil {
			return false
		}
		// Told of the edit once it is written, before its sync: the
		// engine asks for it, and the edit was written while an Outbox
		// call from before was between its two reads.
		betweenOutboxReads = func() {}
		sent, _ = s.Outbox("d1", 2, 10)
		return false
	})
	done := make(chan error, 1)
	betweenOutboxReads = func() {
		betweenOutboxReads = nil
		_, err := s.AppendLocal("d1", []byte("typed"), true)
		done <- err
	}
	defer func() { betweenOutboxReads = nil }()
	early, err := s.Outbox("d1", 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(early) != 0 || len(sent) != 0 {
		t.Fatalf("the first edit after opening was handed out before its sync: %d and %d entries", len(early), len(sent))
	}
	if out, err := s.Outbox("d1", 2, 10); err != nil || len(out) != 1 {
		t.Fatalf("after its sync: %d entries, %v; want the edit", len(out), err)
	}
}

// A tail whose every entry was acknowledged lets go of their data.
func TestAnAcknowledgedTailKeepsNoData(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	var st DocState
	var err error
	for range 10 {
		if st, err = s.AppendLocal("d1", make([]byte, 64<<10), true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Ack("d1", st.NextDSeq-1); err != nil {
		t.Fatal(err)
	}
	s.tails.mu.Lock()
	defer s.tails.mu.Unlock()
	if tl := s.tails.docs["d1"]; tl == nil || tl.recs != nil || tl.bytes != 0 || tl.first != st.NextDSeq {
		t.Fatalf("after acknowledging everything the tail is %+v", tl)
	}
}
