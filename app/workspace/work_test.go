package workspace

import (
	"testing"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// workPerReceivedChange opens a pair with history local edits (linked to a
// cohort this machine runs, if linked), then receives n changes from the
// partner one at a time, each followed by its cohort report, and returns
// the work they cost in all.
func workPerReceivedChange(t *testing.T, history, n int, linked bool) Counts {
	t.Helper()
	ws, id := openWithPair(t, t.TempDir(), "Counted")
	t.Cleanup(func() { ws.Close() })
	sendMessages(t, ws, id, history)
	if linked {
		c, err := ws.NewCohort("Spring", "Dana", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.LinkPair(id, c); err != nil {
			t.Fatal(err)
		}
	}
	ws.SettleReports()
	snap, err := ws.Snapshot(id)
	if err != nil {
		t.Fatal(err)
	}
	partner, err := crdt.Load(snap, crdt.NewActor())
	if err != nil {
		t.Fatal(err)
	}
	st, _ := ws.st.State(id)
	cursor := st.Cursor
	before := ws.Counts()
	for i := 0; i < n; i++ {
		p, err := mentoring.Read(partner)
		if err != nil {
			t.Fatal(err)
		}
		kind := "a message"
		e, err := mentoring.SendMessage(p, partner.Actor(), "from the partner", time.Now())
		if i%5 == 4 { // now and then one that changes a health fact
			kind = "a check-in"
			e, err = mentoring.AddCheckin(p, partner.Actor(), mentoring.CheckinInput{Date: "2026-11-2" + string(rune('0'+i%10))}, time.Now())
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Apply(partner); err != nil {
			t.Fatal(err)
		}
		ch, err := partner.Commit(e.Msg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cursor++
		if err := ws.ApplyRemote(id, []Remote{{Kind: store.Changes, Data: ch}}, cursor); err != nil {
			t.Fatalf("receiving %s: %v", kind, err)
		}
		ws.SettleReports()
	}
	after := ws.Counts()
	got, _ := ws.Pair(id)
	if len(got.Messages) < history {
		t.Fatalf("the pair has %d messages, want at least %d: the scenario did not happen", len(got.Messages), history)
	}
	return Counts{WholeReads: after.WholeReads - before.WholeReads, BoardWrites: after.BoardWrites - before.BoardWrites, Loads: after.Loads - before.Loads}
}

// The regression that made W1 2,000 times slower: after every received
// change the workspace read the whole pair again to learn its cohort, at a
// cost that grows with the pair's history. Counting the work (not timing
// it) guards against it: a pair in no cohort costs no whole read at all,
// and a pair in a cohort costs at most one per report, whatever its
// history.
func TestWorkPerReceivedChangeDoesNotGrowWithHistory(t *testing.T) {
	const n = 20
	for _, linked := range []bool{false, true} {
		short := workPerReceivedChange(t, 10, n, linked)
		long := workPerReceivedChange(t, 400, n, linked)
		if short != long {
			t.Errorf("linked %v: %+v for %d changes with a short history, %+v with a long one", linked, short, n, long)
		}
		switch {
		case long.Loads != 0:
			t.Errorf("linked %v: %d loads of the whole document from the store for %d received changes, want none", linked, long.Loads, n)
		case !linked && (long.WholeReads != 0 || long.BoardWrites != 0):
			t.Errorf("a pair in no cohort: %+v for %d received changes, want none", long, n)
		case linked && (long.WholeReads > n || long.BoardWrites != n/5):
			t.Errorf("a pair in a cohort: %+v for %d received changes, want at most %d whole reads and %d board writes (one per check-in)", long, n, n, n/5)
		}
	}
}
