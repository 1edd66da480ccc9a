package mentoring

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"pairwise/app/crdt"
)

// asSchema1 turns r's document into one made before the message log: no
// log, schema 1, as a pair created by an earlier version holds.
func asSchema1(r *replica) {
	r.t.Helper()
	if err := r.doc.Delete(path(kMessageLog)); err != nil {
		r.t.Fatal(err)
	}
	if err := r.doc.Set(path(kSchema), int64(1)); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.doc.Commit("as made by schema 1", r.now); err != nil {
		r.t.Fatal(err)
	}
}

func send(r *replica, text string) string {
	r.t.Helper()
	return r.do(func(p *Pair) (Edit, error) { return SendMessage(p, r.me, text, r.now) })
}

func texts(p *Pair) string {
	var out []string
	for _, m := range p.Messages {
		out = append(out, m.Text)
	}
	return strings.Join(out, ",")
}

func TestNewPairSendsMessagesToTheLog(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	at := ana.now
	if id := send(ana, "hello"); id != "" {
		t.Errorf("edit ID: got %q, want none (a log message has no stored ID)", id)
	}
	tree, _ := ana.doc.Tree()
	if n := len(obj(tree[kMessages])); n != 0 {
		t.Errorf("messages map: got %d entries, want 0", n)
	}
	if log, _ := tree[kMessageLog].([]any); len(log) != 1 {
		t.Fatalf("message log: got %v, want one entry", tree[kMessageLog])
	}
	p := ana.pair()
	if len(p.Messages) != 1 {
		t.Fatalf("messages: got %d, want 1", len(p.Messages))
	}
	m := p.Messages[0]
	if m.Text != "hello" || m.By != ana.me || !m.At.Equal(at) || m.ID == "" {
		t.Errorf("message: got %+v, want hello by %s at %s with an ID", m, ana.me, at)
	}
}

// TestSchema1PairKeepsItsMessages: a pair made before the log reads as
// before, and its new messages still go to the map under random IDs.
func TestSchema1PairKeepsItsMessages(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	asSchema1(ana)
	old := send(ana, "old one")
	ben := ana.join("Ben", Mentee)
	ben.now = ana.now.Add(time.Hour)
	fresh := send(ben, "from Ben")
	sync(t, ana, ben)
	for _, id := range []string{old, fresh} {
		if b, err := hex.DecodeString(id); err != nil || len(b) != 8 {
			t.Errorf("edit ID %q: want a random 64-bit hex ID", id)
		}
	}
	p := converged(t, ana, ben)
	if got := texts(p); got != "old one,from Ben" {
		t.Errorf("messages: got %q, want the old and the new one", got)
	}
	if p.Messages[0].ID != old || p.Messages[1].ID != fresh {
		t.Errorf("IDs: got %q and %q, want %q and %q", p.Messages[0].ID, p.Messages[1].ID, old, fresh)
	}
}

// TestConcurrentMessagesAllStay: both members send while apart; after the
// merge every message is there, in time order, on both sides.
func TestConcurrentMessagesAllStay(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	sync(t, ana, ben)
	for i := range 3 {
		send(ana, fmt.Sprint("a", i))
		send(ben, fmt.Sprint("b", i))
	}
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	if len(p.Messages) != 6 {
		t.Fatalf("messages: got %q, want all six", texts(p))
	}
	seen := map[string]bool{}
	for i, m := range p.Messages {
		if seen[m.ID] {
			t.Errorf("ID %q twice", m.ID)
		}
		seen[m.ID] = true
		if i > 0 && m.At.Before(p.Messages[i-1].At) {
			t.Errorf("message %d (%s) is before the one ahead of it", i, m.Text)
		}
	}
}

// TestHostileLogEntriesHideNothing: a partner who writes junk into the log,
// or appends at the same moment, neither hides nor overwrites a message of
// the other member: there is no key to claim, and appends never collide.
func TestHostileLogEntriesHideNothing(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	sync(t, ana, ben)
	send(ana, "before")
	sync(t, ana, ben)
	// Ben's app is hostile: it appends entries no Pairwise writes.
	for _, junk := range []any{"no separators", "x\x1fy\x1fz", int64(7), "1\x1f" + ana.me} {
		if err := ben.doc.Append(path(kMessageLog), junk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ben.doc.Commit("junk", ben.now); err != nil {
		t.Fatal(err)
	}
	send(ana, "during") // concurrent with the junk
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	if got := texts(p); got != "before,during" {
		t.Errorf("messages: got %q, want Ana's two and no junk", got)
	}
	send(ana, "after")
	if got := texts(ana.pair()); got != "before,during,after" {
		t.Errorf("messages: got %q, want Ana's three", got)
	}
}

// TestRefreshAfterAppendNeedsNoFullRead: the touched path of a message
// names the log's last entry, which refreshes the read without the rest.
func TestRefreshAfterAppendNeedsNoFullRead(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	e, err := SendMessage(ana.pair(), ana.me, "hi", t0)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Touched()
	if len(got) != 1 || got[0].String() != crdt.P(kMessageLog, crdt.Last).String() {
		t.Errorf("touched: got %v, want the log's last entry", got)
	}
}
