package workspace

import (
	"bytes"
	"testing"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
)

// A partner's changes merged early ride on this machine's next change,
// ahead of it, until a stored record brings them; a relay that sends
// records early and never stores them cannot make that grow without
// bound; and the list survives a restart.
func TestEarlyChangesRideOnLocalChangesUntilStored(t *testing.T) {
	dir := t.TempDir()
	ws, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Carry", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	partner := partnerOf(t, ws, pair)
	msgs := partnerMessages(t, partner, maxUnconfirmed+40)
	for i, m := range msgs {
		if err := ws.ApplyEarly(pair, []Remote{m}, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	ws.SettleSaves()
	h, err := ws.get(pair)
	if err != nil {
		t.Fatal(err)
	}
	h.earlyMu.Lock()
	n, last := len(h.early.list), h.early.list[len(h.early.list)-1].Hash
	h.earlyMu.Unlock()
	if n != maxUnconfirmed || last != crdt.LastChangeHash(msgs[len(msgs)-1].Data) {
		t.Fatalf("carrying %d changes ending with %.8s, want the newest %d", n, last, maxUnconfirmed)
	}

	// The relay stores all but the newest: only that one rides along.
	var stored []string
	for _, m := range msgs[:len(msgs)-1] {
		stored = append(stored, crdt.LastChangeHash(m.Data))
	}
	ws.Stored(pair, uint64(len(msgs)-1), stored)
	ws.SettleSaves()
	ws.Close()

	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "on top of it", ws.Now())
	}); err != nil {
		t.Fatal(err)
	}
	st, err := ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ws.Outbox(pair, st.NextDSeq-1, 1)
	if err != nil || len(out) != 1 {
		t.Fatalf("outbox: %v, %d entries", err, len(out))
	}
	chs := crdt.SplitChanges(out[0].Data)
	if len(chs) != 2 || !bytes.Equal(chs[0].Raw, msgs[len(msgs)-1].Data) {
		t.Fatalf("after a restart the new change's record holds %d changes, want the unstored partner change ahead of it", len(chs))
	}
}
