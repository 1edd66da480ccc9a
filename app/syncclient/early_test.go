package syncclient

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// A partner's edit reaches the pair on screen as soon as the relay has
// numbered it, before the relay's disk has it; the cursor moves only when
// the relay says the record is stored, so a record the relay could still
// lose is fetched again rather than skipped.
func TestPartnerEditShowsBeforeTheRelayStoresIt(t *testing.T) {
	r := startRelay(t)
	h := startHoldingRelay(t, r)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	h.mu.Lock()
	h.unstored = map[wire.DeviceID]bool{b.device(): true}
	h.mu.Unlock()
	before, err := b.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	runThrough(t, b, h, pair)

	a.addGoal(pair, "seen before it is stored")
	a.mustSync()
	waitFor(t, "the partner's goal on the reader's screen", func() bool {
		return strings.Contains(b.json(pair), "seen before it is stored")
	})
	applied, err := b.ws.Applied(pair)
	if err != nil {
		t.Fatal(err)
	}
	b.ws.SettleSaves()
	st, err := b.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	if applied <= before.Cursor || st.Cursor != before.Cursor {
		t.Fatalf("merged up to %d with the cursor at %d (was %d): the cursor must stay until the relay says the record is stored", applied, st.Cursor, before.Cursor)
	}
	// The goal may show before the relay's commit ends (that is the
	// point): its Durable notice, which the proxy holds back, follows. A
	// relay that sent the record only once stored sends no such notice.
	waitFor(t, "the relay's Durable notice for the record it sent early", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.notices > 0
	})
	if st, err := b.ws.SyncState(pair); err != nil || st.Cursor != before.Cursor {
		t.Fatalf("the cursor moved to %d (was %d) although the relay's word that the record is stored was held back", st.Cursor, before.Cursor)
	}
	h.mu.Lock()
	h.unstored = nil
	h.mu.Unlock()

	// The relay's word comes (here: after a reconnect, with the record
	// sent again): the cursor catches up and the goal is there once.
	h.cut()
	waitFor(t, "the cursor to reach the merged record", func() bool {
		b.ws.SettleSaves()
		st, err := b.ws.SyncState(pair)
		return err == nil && st.Cursor >= applied
	})
	if n := strings.Count(b.json(pair), "seen before it is stored"); n != 1 {
		t.Fatalf("the goal appears %d times after the record came again, want once", n)
	}
}

// runThrough points x at the proxy h, for pair and by default, and runs an
// engine for x until the test ends, from the moment it is synced.
func runThrough(t *testing.T, x *replica, h *holdingRelay, pair string) *Engine {
	t.Helper()
	if err := x.ws.SetMeta(pair, func(m *workspace.Meta) { m.Relay = h.url }); err != nil {
		t.Fatal(err)
	}
	throughHolding(t, x, h)
	eng := x.engine()
	runEngine(t, eng)
	return eng
}

// runEngine runs eng until stop is called or the test ends, and returns
// once it is synced.
func runEngine(t *testing.T, eng *Engine) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	stop = sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	waitStatus(t, eng, "synced", func(s Status) bool { return s.State == Synced })
	return stop
}

// device returns x's device ID.
func (x *replica) device() wire.DeviceID {
	x.t.Helper()
	key, err := x.ws.DeviceKey()
	if err != nil {
		x.t.Fatal(err)
	}
	return key.ID()
}

// waitFor polls ok until it holds, failing the test after a generous bound.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A relay can send a record early and then lose it (it crashes before its
// disk has it). Its author sends it again in time, but a partner may have
// built a change on it meanwhile, and that change may reach the relay
// first. Every other member's app must still be able to merge it: the
// change carries the lost one ahead of itself until a stored record
// brings it.
func TestChangeBuiltOnALostEarlyRecordCarriesIt(t *testing.T) {
	r := startRelay(t)
	h := startHoldingRelay(t, r)
	a, b, c := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	code, err := a.ws.Invite(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ws.Join(code, "Cal", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	c.mustSync()
	a.mustSync()
	b.mustSync()
	runThrough(t, b, h, pair)

	// Ana's change, sealed and signed by her device as her engine would
	// send it; the relay numbers it and sends it to Ben early, then
	// crashes without storing it (so Ben's connection drops).
	a.addGoal(pair, "lost by the relay")
	lost := a.record(pair)
	applied, err := b.ws.Applied(pair)
	if err != nil {
		t.Fatal(err)
	}
	lost.Seq = applied + 1
	h.inject(b.device(), &wire.Records{Doc: lost.doc, Early: true, Recs: []wire.Record{lost.Record}})
	waitFor(t, "Ana's goal on Ben's screen", func() bool { return strings.Contains(b.json(pair), "lost by the relay") })
	h.cut()

	// Ben builds on it, and his change reaches the relay before Ana's.
	goals, err := b.ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goals.Goals {
		if g.Title == "lost by the relay" {
			b.edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
				return mentoring.UpdateGoal(p, g.ID, mentoring.GoalInput{Why: ptr("built on Ana's goal")})
			})
		}
	}
	waitFor(t, "Ben's change on the relay", func() bool {
		st, err := b.ws.SyncState(pair)
		return err == nil && st.Pending() == 0
	})

	if err := c.sync(); err != nil {
		t.Fatalf("Cal's app could not take Ben's change, which builds on one the relay lost: %v", err)
	}
	if got := c.json(pair); !strings.Contains(got, "lost by the relay") || !strings.Contains(got, "built on Ana's goal") {
		t.Fatalf("Cal's copy lacks Ana's goal or Ben's change to it:\n%s", got)
	}
	a.mustSync() // Ana's own record arrives after all; merging it again changes nothing
	c.mustSync()
	b.ws.SettleSaves()
	if ja, jc := a.json(pair), c.json(pair); ja != jc {
		t.Fatalf("Ana's and Cal's copies differ:\n%s\n%s", ja, jc)
	}
}

// sentRecord is a record as a replica's engine would push it, with the
// document it belongs to.
type sentRecord struct {
	wire.Record
	doc wire.DocID
}

// record seals and signs x's oldest change waiting for the relay, as x's
// engine would send it.
func (x *replica) record(pair string) sentRecord {
	x.t.Helper()
	st, err := x.ws.SyncState(pair)
	if err != nil {
		x.t.Fatal(err)
	}
	out, err := x.ws.Outbox(pair, st.Acked+1, 1)
	if err != nil || len(out) != 1 {
		x.t.Fatalf("outbox: %v (%d entries)", err, len(out))
	}
	meta, err := x.ws.Meta(pair)
	if err != nil {
		x.t.Fatal(err)
	}
	key, err := x.ws.DeviceKey()
	if err != nil {
		x.t.Fatal(err)
	}
	var did wire.DocID
	raw, _ := hex.DecodeString(pair)
	copy(did[:], raw)
	var pk seal.Key
	copy(pk[:], meta.Key)
	body := seal.SealRecord(pk, did, key.ID(), out[0].DSeq, out[0].Data)
	return sentRecord{Record: wire.Record{Device: key.ID(), DSeq: out[0].DSeq, Body: body, Sig: key.SignRecord(did, out[0].DSeq, body)}, doc: did}
}
