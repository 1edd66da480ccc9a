package syncclient

import (
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

// clockAt sets x's clock to base+d: edits, presence and "now" all read it.
func clockAt(x *replica, base time.Time, d time.Duration) time.Time {
	now := base.Add(d)
	x.ws.SetNow(func() time.Time { return now })
	return now
}

func heardOf(t *testing.T, x *replica, pair, member string) time.Time {
	t.Helper()
	heard, err := x.ws.Heard(pair)
	if err != nil {
		t.Fatal(err)
	}
	return heard[member]
}

func memberID(t *testing.T, x *replica, pair string) string {
	t.Helper()
	me, err := x.ws.Me(pair)
	if err != nil {
		t.Fatal(err)
	}
	return me
}

// Each app says in the pair when it last synced, at most about once a day
// and only when it has written nothing else: the partner reads it from
// the signed, sealed document ("Ben's app last synced 5 hours ago"), and
// the activity feed does not show it.
func TestPresenceSaysWhenThePartnerLastSynced(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	a.mustSync()
	ben := memberID(t, b, pair)
	base := time.Now()
	feed := func() []string {
		t.Helper()
		h, err := a.ws.History(pair)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range h {
			out = append(out, e.Who+": "+e.What)
		}
		return out
	}
	before := feed()
	if at := heardOf(t, a, pair, ben); at.IsZero() || at.After(base) {
		t.Fatalf("before any presence Ana hears from Ben at %v, want his joining, before %v", at, base)
	}

	// Ben's app syncs three days later, having written nothing since he
	// joined: it says it was there.
	seen := clockAt(b, base, 72*time.Hour)
	b.mustSync()
	nb, _ := b.ws.SyncState(pair)
	clockAt(a, base, 77*time.Hour)
	a.mustSync()
	if got, want := heardOf(t, a, pair, ben), seen.UTC().Truncate(time.Millisecond); !got.Equal(want) {
		t.Fatalf("Ana hears from Ben at %v, want %v, when his app synced", got, want)
	}
	if p, _ := a.ws.Pair(pair); !memberSeen(p, ben).Equal(seen.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("Ben's presence in Ana's copy: %v, want %v", memberSeen(p, ben), seen)
	}
	if got, want := mentoring.HeardLine("Ben", heardOf(t, a, pair, ben), a.ws.Now()), "Ben's app last synced 5 hours ago"; got != want {
		t.Fatalf("Ana reads %q, want %q", got, want)
	}
	if got := feed(); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Fatalf("the activity feed shows presence:\n%s\nwas\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}

	// An hour later Ben's app syncs again: nothing more to say.
	clockAt(b, base, 73*time.Hour)
	b.mustSync()
	if nb2, _ := b.ws.SyncState(pair); nb2.NextDSeq != nb.NextDSeq {
		t.Fatalf("Ben's app wrote %d changes on a second sync within the day, want none", nb2.NextDSeq-nb.NextDSeq)
	}

	// Five days on, with nothing from Ben since, Ana's app says what that
	// may mean.
	clockAt(a, base, 72*time.Hour+5*24*time.Hour)
	line := mentoring.HeardLine("Ben", heardOf(t, a, pair, ben), a.ws.Now())
	if !strings.HasPrefix(line, "Ben's app last synced 5 days ago. ") || !strings.Contains(line, "the relay may be holding back their changes") {
		t.Fatalf("Ana reads %q, want Ben quiet for 5 days and what that may mean", line)
	}
}

func memberSeen(p *mentoring.Pair, id string) time.Time {
	m, _ := p.Member(id)
	return m.Seen
}

// The freeze of security finding 11: the relay stops passing Ana's changes
// to Ben, whose app goes on saying "All changes synced". Ben (here a
// read-only member, who writes nothing the relay would have to echo) sees
// Ana's app go quiet, although Ana has been at work and her app synced
// that very day; once the relay lets the records through, he hears from
// her again.
func TestFrozenMemberSeesThePartnerGoQuiet(t *testing.T) {
	r := startRelay(t)
	h := startHoldingRelay(t, r)
	a, b := newReplica(t, r), newReplica(t, r)
	throughHolding(t, a, h)
	throughHolding(t, b, h)
	pair := pairOf(t, a, b, true)
	ana := memberID(t, a, pair)
	base := time.Now()

	clockAt(a, base, 24*time.Hour)
	a.addGoal(pair, "Before the freeze")
	a.mustSync()
	clockAt(b, base, 25*time.Hour)
	b.mustSync()
	if got, want := heardOf(t, b, pair, ana), base.Add(24*time.Hour).UTC().Truncate(time.Millisecond); !got.Equal(want) {
		t.Fatalf("Ben hears from Ana at %v, want %v", got, want)
	}

	key, err := b.ws.DeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	h.hold(key.ID())
	clockAt(a, base, 48*time.Hour)
	a.addGoal(pair, "Hidden by the relay")
	a.mustSync()
	anaSynced := clockAt(a, base, 5*24*time.Hour)
	a.mustSync() // nothing written for three days: Ana's app says it synced

	clockAt(b, base, 5*24*time.Hour+time.Hour)
	eng := New(b.ws, t.Logf)
	if err := eng.SyncOnce(t.Context()); err != nil {
		t.Fatalf("Ben's sync through the holding relay: %v", err)
	}
	if s := eng.Status().String(); s != "All changes synced" {
		t.Fatalf("Ben's status %q, want the freeze to look like %q", s, "All changes synced")
	}
	if h.droppedFrames() == 0 || strings.Contains(b.json(pair), "Hidden by the relay") || !strings.Contains(a.json(pair), "Hidden by the relay") {
		t.Fatalf("the relay did not hold Ana's goal back from Ben (%d frames held)", h.droppedFrames())
	}
	line := mentoring.HeardLine("Ana", heardOf(t, b, pair, ana), b.ws.Now())
	if !strings.HasPrefix(line, "Ana's app last synced 4 days ago. If Ana has used Pairwise since, the relay may be holding back their changes") {
		t.Fatalf("Ben reads %q, want Ana quiet for 4 days and what that may mean", line)
	}

	h.release(key.ID())
	b.mustSync()
	if got, want := heardOf(t, b, pair, ana), anaSynced.UTC().Truncate(time.Millisecond); !got.Equal(want) {
		t.Fatalf("once the records come through Ben hears from Ana at %v, want %v", got, want)
	}
	if got := mentoring.HeardLine("Ana", heardOf(t, b, pair, ana), b.ws.Now()); got != "Ana's app last synced 1 hour ago" {
		t.Fatalf("Ben reads %q once the records come through", got)
	}
}
