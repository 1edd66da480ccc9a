package syncclient

// Two relay instances on one PostgreSQL database, with the members of a
// pair on different instances: what an organisation that outgrew one relay
// machine runs (issue 14). The replicas are real workspaces with running
// engines; the instances are the real binary, `serve --store postgres://`.

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
	"pairwise/syncserver/relaystore"
	"pairwise/syncserver/relaytest"
)

// notices returns a channel that receives (coalesced) whenever one of the
// replicas' pairs changes, locally or from the relay, or its count of
// changes waiting for the relay moves: what a screen redraws on.
func notices(xs ...*replica) <-chan struct{} {
	ch := make(chan struct{}, 1)
	poke := func(string) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	for _, x := range xs {
		x.ws.Watch(poke)
		x.ws.WatchPending(poke)
	}
	return ch
}

// await returns once cond holds, checking it again on every change
// notification; the context's deadline is the only bound.
func await(ctx context.Context, t *testing.T, what string, changed <-chan struct{}, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		}
	}
}

// running starts an engine for x that runs until the test ends, and
// returns once it is connected and synced.
func running(ctx context.Context, t *testing.T, x *replica) *Engine {
	t.Helper()
	eng := x.engine()
	status := make(chan struct{}, 1)
	eng.OnStatus(func(Status) {
		select {
		case status <- struct{}{}:
		default:
		}
	})
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for eng.Status().State != Synced {
		select {
		case <-status:
		case <-ctx.Done():
			t.Fatalf("the engine never synced; its status is %q", eng.Status())
		}
	}
	return eng
}

// goals returns the titles of the pair's goals on x.
func (x *replica) goals(pair string) []string {
	x.t.Helper()
	p, err := x.ws.Pair(pair)
	if err != nil {
		x.t.Fatal(err)
	}
	var titles []string
	for _, g := range p.Goals {
		titles = append(titles, g.Title)
	}
	slices.Sort(titles)
	return titles
}

func (x *replica) state(pair string) workspace.SyncState {
	x.t.Helper()
	st, err := x.ws.SyncState(pair)
	if err != nil {
		x.t.Fatal(err)
	}
	return st
}

// name returns the name x has in the pair.
func (x *replica) name(pair string) string {
	x.t.Helper()
	p, err := x.ws.Pair(pair)
	if err != nil {
		x.t.Fatal(err)
	}
	me, err := x.ws.Me(pair)
	if err != nil {
		x.t.Fatal(err)
	}
	m, _ := p.Member(me)
	return m.Name
}

// agreed reports whether the replicas export the same pair and hold no
// change the relay has not acknowledged.
func agreed(pair string, xs ...*replica) bool {
	for _, x := range xs {
		if x.ws.Pending() != 0 || x.json(pair) != xs[0].json(pair) {
			return false
		}
	}
	return true
}

// sharedReplica opens a replica whose default relay is r's address url
// (an instance, or a forwarder in front of several), with r's token.
func sharedReplica(t *testing.T, r *relay, url string) *replica {
	t.Helper()
	x := newReplica(t, r)
	if err := x.ws.UpdateSettings(func(s *workspace.Settings) { s.Relay = url }); err != nil {
		t.Fatal(err)
	}
	x.opts.SnapshotEvery = 1 << 20 // no snapshot, so the store keeps every record to count
	return x
}

// TestMentorAndMenteeOnTwoRelayInstances: the mentor's app syncs through
// one relay instance and the mentee's through another, both on one
// database. With the engines running, what each writes shows up at the
// other without anyone syncing by hand, alone and in bursts at the same
// time, and both end with the same pair.
func TestMentorAndMenteeOnTwoRelayInstances(t *testing.T) {
	rs := startSharedRelays(t, pgtest.Start(t), 2)
	a, b := rs[0], rs[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mentor, mentee := sharedReplica(t, a, a.url), sharedReplica(t, b, b.url)

	pair, err := mentor.ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	mentor.mustSync()
	code, err := mentor.ws.Invite(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mentee.ws.Join(code, "Ben", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	// The invite names the mentor's instance; the mentee's app uses the
	// other one, as a balancer might have sent it there.
	if err := mentee.ws.SetMeta(pair, func(m *workspace.Meta) { m.Relay = b.url }); err != nil {
		t.Fatal(err)
	}
	mentee.mustSync()

	changed := notices(mentor, mentee)
	running(ctx, t, mentor)
	running(ctx, t, mentee)

	mentor.addGoal(pair, "Ana: first")
	await(ctx, t, "the mentor's goal at the mentee", changed, func() bool { return slices.Contains(mentee.goals(pair), "Ana: first") })
	mentee.addGoal(pair, "Ben: first")
	await(ctx, t, "the mentee's goal at the mentor", changed, func() bool { return slices.Contains(mentor.goals(pair), "Ben: first") })

	// Both write at once, each through its own instance.
	want := []string{"Ana: first", "Ben: first"}
	const each = 25
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range each {
			mentee.addGoal(pair, fmt.Sprintf("Ben: %02d", i))
		}
	}()
	for i := range each {
		mentor.addGoal(pair, fmt.Sprintf("Ana: %02d", i))
		want = append(want, fmt.Sprintf("Ana: %02d", i), fmt.Sprintf("Ben: %02d", i))
	}
	<-done
	slices.Sort(want)
	await(ctx, t, "both to hold every goal and agree", changed, func() bool {
		return slices.Equal(mentor.goals(pair), want) && agreed(pair, mentor, mentee)
	})
	if got := mentee.goals(pair); !slices.Equal(got, want) {
		t.Fatalf("the mentee's goals: got %q, want %q", got, want)
	}
	checkStore(ctx, t, a.store, pair, mentor, mentee)
}

// TestRelayInstanceKilledMidBurst: both members reach the relay through
// one address in front of two instances. The instance the mentor's app is
// connected to is SIGKILLed while the mentor makes a burst of edits, some
// acknowledged and some not; the app reconnects through the same address
// to the other instance and sends what was not acknowledged. Every edit
// the mentor made reaches the mentee, once, and the database holds each
// change each app was told it holds.
func TestRelayInstanceKilledMidBurst(t *testing.T) {
	rs := startSharedRelays(t, pgtest.Start(t), 2)
	a, b := rs[0], rs[1]
	fwd, err := relaytest.Forward(a.addr, b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Close()
	front := "ws://" + fwd.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mentor, mentee := sharedReplica(t, a, front), sharedReplica(t, b, front)
	pair := pairOf(t, mentor, mentee, false)

	// The mentor's app connects to the first instance and the mentee's to
	// the second; then the forwarder uses both again.
	changed := notices(mentor, mentee)
	fwd.SetUpstreams(a.addr)
	running(ctx, t, mentor)
	fwd.SetUpstreams(b.addr)
	running(ctx, t, mentee)
	fwd.SetUpstreams(a.addr, b.addr)

	var want []string
	edit := func(i int) {
		title := fmt.Sprintf("Ana: burst %03d", i)
		mentor.addGoal(pair, title)
		want = append(want, title)
	}
	base := mentor.state(pair).Acked
	var ackedAtKill, madeAtKill uint64
	i := 0
	for ; ackedAtKill == 0; i++ {
		edit(i)
		st := mentor.state(pair)
		if i >= 10 && st.Acked > base && st.Pending() > 0 {
			// Pending changes at the moment of the kill: sent to the
			// instance or not yet, acknowledged by it or not.
			ackedAtKill, madeAtKill = st.Acked, st.NextDSeq-1
			a.kill()
		}
		if ctx.Err() != nil {
			t.Fatal("the relay never acknowledged part of the burst")
		}
	}
	for range 20 {
		edit(i) // through whichever instance the app reaches now
		i++
	}
	mentee.addGoal(pair, "Ben: after the kill")
	want = append(want, "Ben: after the kill")
	slices.Sort(want)
	await(ctx, t, "both to hold every goal and agree", changed, func() bool {
		return slices.Equal(mentee.goals(pair), want) && agreed(pair, mentor, mentee)
	})
	t.Logf("killed the mentor's instance with changes %d..%d of %d unacknowledged", ackedAtKill+1, madeAtKill, mentor.state(pair).NextDSeq-1)
	if got := mentor.goals(pair); !slices.Equal(got, want) {
		t.Fatalf("the mentor's goals: got %q, want %q", got, want)
	}
	checkStore(ctx, t, b.store, pair, mentor, mentee)
}

// checkStore checks the database against the replicas: it holds each
// replica's changes up to the last one acknowledged to it, each once and
// in the order made, and nothing more; its head is where both replicas'
// cursors are.
func checkStore(ctx context.Context, t *testing.T, url, pair string, xs ...*replica) {
	t.Helper()
	st, err := relaystore.OpenPostgres(ctx, url, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, err := hex.DecodeString(pair)
	if err != nil {
		t.Fatal(err)
	}
	var did wire.DocID
	copy(did[:], raw)
	meta, err := st.Doc(did)
	if err != nil {
		t.Fatal(err)
	}
	var recs []wire.Record
	for from := uint64(0); from < meta.Head; {
		got, err := st.Read(did, from, wire.MaxRecordsPerBatch, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].Seq != from+1 {
			t.Fatalf("the store's log has a hole after record %d", from)
		}
		recs = append(recs, got...)
		from = got[len(got)-1].Seq
	}
	last := map[wire.DeviceID]uint64{}
	for _, r := range recs {
		if r.DSeq != last[r.Device]+1 {
			t.Fatalf("record %d is change %d of device %x, which follows its change %d", r.Seq, r.DSeq, r.Device[:4], last[r.Device])
		}
		last[r.Device] = r.DSeq
	}
	for _, x := range xs {
		s := x.state(pair)
		dev := x.device()
		if s.Pending() != 0 || last[dev] != s.Acked {
			t.Errorf("the store holds %d changes of %s, who made %d and was told %d are stored", last[dev], x.name(pair), s.NextDSeq-1, s.Acked)
		}
		if s.Cursor != meta.Head {
			t.Errorf("%s applied the store's records up to %d, want its head %d", x.name(pair), s.Cursor, meta.Head)
		}
		delete(last, dev)
	}
	if len(last) != 0 {
		t.Errorf("the store holds changes of devices no replica has: %v", last)
	}
}
