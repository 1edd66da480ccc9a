package syncclient

// TestChaos is the convergence-under-faults harness. Each seed runs three
// replicas of one pair (their own data folders and engines) against a real
// relay process, through a random schedule of edits of every kind,
// disconnects and reconnects, one-off syncs that may be cut short, replica
// restarts, graceful relay restarts and (in every third seed) SIGKILLs of
// the relay, with snapshots uploaded every few records so that they race
// with pushes. Then it heals: the relay comes up and every replica syncs
// until they agree. All replicas must export identical JSON, a late joiner
// must rebuild the same pair from the relay's snapshot and log, every edit
// any replica committed must be there unless a later edit removed it, and
// every commit must be in the history. TestChaosTwoInstances
// (chaos_instances_test.go) runs the same against two relay instances on
// one PostgreSQL database.
//
// The seed fixes the schedule, not how goroutines interleave, so a failure
// usually but not always comes back with the same seed:
//
//	go test -race -tags ci ./app/syncclient -run 'TestChaos$' -seed=N -count=20
//	PAIRWISE_SEED=N go test -race -tags ci ./app/syncclient -run 'TestChaos$'
//	PAIRWISE_CHAOS_SEEDS=5000 PAIRWISE_CHAOS_FIRST=1000 PAIRWISE_CHAOS_STEPS=300 go test -tags ci -timeout 2h ./app/syncclient -run 'TestChaos$'

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

func TestChaos(t *testing.T) {
	runChaosSeeds(t, chaosSettings(t, chaosOneInstance), 1)
}

// runChaosSeeds runs the configured seeds against that many relay
// instances.
func runChaosSeeds(t *testing.T, cfg chaosConfig, instances int) {
	// Seeds are grouped by their snapshot threshold (snapshotsFor), which
	// each seed's engines take as an option.
	for _, every := range chaosSnapshotEvery {
		t.Run(fmt.Sprintf("snapshots=%d", every), func(t *testing.T) {
			for _, seed := range cfg.seeds {
				if snapshotsFor(seed) != every {
					continue
				}
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					if !cfg.replay {
						t.Parallel()
					}
					runChaos(t, seed, cfg.maxSteps, instances)
				})
			}
		})
	}
}

// chaosSnapshotEvery are the snapshot thresholds seeds run with: tiny, so
// that uploads race with pushes all the time, or larger, so that replicas
// also catch up through long tails of records.
var chaosSnapshotEvery = []int{3, 12}

func snapshotsFor(seed int64) int {
	return chaosSnapshotEvery[uint64(seed)/3%uint64(len(chaosSnapshotEvery))]
}

// chaosWorld is one seed's run.
type chaosWorld struct {
	t    *testing.T
	seed int64
	rng  *rand.Rand
	// relays are the relay instances: one on its data folder, or several
	// on one PostgreSQL database behind a forwarder (chaos_instances_test.go).
	relays []*relay
	url    string // the relay address the replicas use
	token  string
	reps   []*chaosReplica
	pair   string
	m      *chaosModel
	every  int  // Options.SnapshotEvery of this seed's engines
	kills  bool // this seed may SIGKILL the relay
	closes bool // this seed may close the relationship
	step   int
	began  time.Time
}

func runChaos(t *testing.T, seed int64, maxSteps, instances int) {
	w := &chaosWorld{t: t, seed: seed, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)), m: newChaosModel("Chaos pair"), began: time.Now()}
	// With several instances, surviving the loss of one is the point:
	// every seed may SIGKILL one.
	w.kills, w.closes = seed%3 == 0 || instances > 1, w.rng.IntN(8) == 0
	w.every = snapshotsFor(seed)
	steps := chaosMinSteps + w.rng.IntN(maxSteps-chaosMinSteps+1)
	// Registered first so it runs last, once the relay has stopped writing
	// its log.
	t.Cleanup(func() {
		for i, r := range w.relays {
			if t.Failed() && r.log != nil {
				t.Logf("%s log (tail):\n%s", w.relayName(i), tail(r.log.String(), 40))
			}
		}
		if t.Failed() {
			test, steps := "TestChaos", "-chaos.steps"
			if instances > 1 {
				test, steps = "TestChaosTwoInstances", "-chaos2.steps"
			}
			t.Logf("replay this seed: go test -race -tags ci ./app/syncclient -run '%s$' -seed=%d %s=%d -count=10 -v", test, seed, steps, maxSteps)
		}
	})
	w.setup(instances)
	w.logf("schedule of %d steps; snapshots every %d records; relay SIGKILLs: %v; may close: %v", steps, w.every, w.kills, w.closes)
	for w.step = 1; w.step <= steps; w.step++ {
		w.randomStep()
		w.checkStatuses()
	}
	w.step = 0
	w.heal()
	w.checkConverged()
}

func (w *chaosWorld) logf(format string, args ...any) {
	w.t.Helper()
	w.t.Logf("%6.3fs step %d: %s", time.Since(w.began).Seconds(), w.step, fmt.Sprintf(format, args...))
}

func (w *chaosWorld) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("seed %d, step %d: %s", w.seed, w.step, fmt.Sprintf(format, args...))
}

func (w *chaosWorld) setup(instances int) {
	w.startRelays(instances)
	w.logf("relay up")
	for _, who := range []struct {
		name string
		role mentoring.Role
	}{{"Ana", mentoring.Mentor}, {"Ben", mentoring.Mentee}, {"Cal", mentoring.Mentee}} {
		x := &chaosReplica{w: w, name: who.name, role: who.role, dir: w.t.TempDir()}
		x.open()
		w.reps = append(w.reps, x)
	}
	w.t.Cleanup(func() {
		for _, x := range w.reps {
			x.halt(false)
			x.ws.Close()
		}
	})
	w.logf("replicas open")
	a := w.reps[0]
	pair, err := a.ws.NewPair("Chaos pair", a.name, a.role)
	if err != nil {
		w.fatalf("new pair: %v", err)
	}
	w.pair = pair
	if err := a.syncOnce(); err != nil {
		w.fatalf("first sync: %v", err)
	}
	code, err := a.ws.Invite(pair, false)
	if err != nil {
		w.fatalf("invite: %v", err)
	}
	for _, x := range w.reps[1:] {
		if _, err := x.ws.Join(code, x.name, x.role); err != nil {
			w.fatalf("%s joins: %v", x.name, err)
		}
		if w.rng.IntN(4) == 0 {
			continue // the pair arrives under faults
		}
		if err := x.syncOnce(); err != nil {
			w.fatalf("%s: first sync: %v", x.name, err)
		}
	}
	for _, x := range w.reps {
		if w.rng.IntN(2) == 0 {
			x.run()
		}
	}
}

// randomStep does one thing a user, the network or the relay's host might.
func (w *chaosWorld) randomStep() {
	x := pick(w, w.reps)
	switch n := w.rng.IntN(100); {
	case n < 60:
		w.edit(x)
	case n < 68:
		d := time.Duration(1+w.rng.IntN(20)) * time.Millisecond
		w.logf("pause %v", d) // lets the engines work; nothing waits on them
		time.Sleep(d)
	case n < 78:
		if x.mode == "" {
			w.logf("%s goes online", x.name)
			x.run()
		} else {
			w.logf("%s goes offline (%s)", x.name, x.mode)
			x.halt(false)
		}
	case n < 86:
		switch {
		case x.mode == "once":
			w.logf("%s waits for its sync", x.name)
			x.halt(true)
		case x.mode == "" && w.rng.IntN(2) == 0:
			w.logf("%s syncs in the background", x.name)
			x.syncInBackground()
		case x.mode == "":
			err := x.syncOnce()
			w.logf("%s syncs once: %v", x.name, err)
			x.expect(err)
		}
	case n < 95:
		w.relayFault()
	default:
		mode := x.mode
		w.logf("%s restarts (was %q)", x.name, mode)
		x.halt(false)
		if err := x.ws.Close(); err != nil {
			w.fatalf("%s: close: %v", x.name, err)
		}
		x.open()
		if mode == "run" {
			x.run()
		}
	}
}

// relayFault brings back the relay instance that is down, or else faults
// one: so with several instances, one at most is down at a time.
func (w *chaosWorld) relayFault() {
	for i, r := range w.relays {
		if !r.running() {
			w.logf("%s comes back", w.relayName(i))
			r.start()
			return
		}
	}
	i := 0
	if len(w.relays) > 1 {
		i = w.rng.IntN(len(w.relays))
	}
	r, name := w.relays[i], w.relayName(i)
	switch n := w.rng.IntN(10); {
	case n < 4 && w.kills:
		w.logf("%s SIGKILLed and restarted", name)
		r.kill()
		r.start()
	case n < 6 && w.kills:
		w.logf("%s SIGKILLed, stays down", name)
		r.kill()
	case n < 8:
		w.logf("%s restarts gracefully", name)
		r.stop()
		r.start()
	default:
		w.logf("%s stops gracefully, stays down", name)
		r.stop()
	}
}

// edit makes one random edit on x and records what it promises.
func (w *chaosWorld) edit(x *chaosReplica) {
	name, build := w.pickEdit()
	var rec func()
	var msg string
	_, err := x.ws.Edit(w.pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		e, r, err := build(w, x, p, me)
		rec, msg = r, e.Msg
		return e, err
	})
	switch {
	case err == nil:
		if rec != nil {
			rec()
		}
		w.m.commits[x.name] = append(w.m.commits[x.name], msg)
		w.logf("%s: %s", x.name, msg)
	case isRefusal(err):
		w.logf("%s: %s refused: %v", x.name, name, err)
	default:
		w.fatalf("%s: %s: %v", x.name, name, err)
	}
}

// isRefusal reports whether an edit failed for a reason a person meets too:
// bad input for the replica's view, a pair not arrived yet, a closed pair.
func isRefusal(err error) bool {
	for _, target := range []error{mentoring.ErrInvalid, mentoring.ErrNotReady, workspace.ErrClosed} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// heal brings the relay up and syncs every replica until all agree.
func (w *chaosWorld) heal() {
	w.logf("heal")
	for _, x := range w.reps {
		x.halt(false)
	}
	for _, r := range w.relays {
		if !r.running() {
			r.start()
		}
	}
	const rounds = 5
	for round := 1; ; round++ {
		for _, x := range w.reps {
			if err := x.syncOnce(); err != nil {
				w.fatalf("heal round %d: %s cannot sync: %v", round, x.name, err)
			}
		}
		w.checkStatuses()
		diff := w.differences()
		if diff == "" {
			w.logf("converged after %d rounds at record %d", round, w.reps[0].state().Cursor)
			return
		}
		if round == rounds {
			w.fatalf("replicas still differ after %d rounds of syncing: %s", rounds, diff)
		}
	}
}

// differences says how the replicas differ, or "" when they agree.
func (w *chaosWorld) differences() string {
	a := w.reps[0]
	ja, sa := a.export(), a.state()
	for _, x := range w.reps[1:] {
		if jx := x.export(); jx != ja {
			return fmt.Sprintf("%s and %s export different JSON:\n%s", a.name, x.name, lineDiff(ja, jx))
		}
		if sx := x.state(); sx.Cursor != sa.Cursor || sx.Pending() != 0 || sa.Pending() != 0 {
			return fmt.Sprintf("%s is at record %d with %d pending, %s at %d with %d", a.name, sa.Cursor, sa.Pending(), x.name, sx.Cursor, sx.Pending())
		}
	}
	return ""
}

// checkConverged checks the healed replicas against the model, their
// histories against the commits, and a late joiner against them.
func (w *chaosWorld) checkConverged() {
	p, err := w.reps[0].ws.Pair(w.pair)
	if err != nil {
		w.fatalf("read the converged pair: %v", err)
	}
	bad := w.m.check(p)
	var names []string
	for _, x := range w.reps {
		names = append(names, x.name)
		me, _ := x.ws.Me(w.pair)
		if m, ok := p.Member(me); !ok || m.Name != x.name || m.Role != x.role {
			bad = append(bad, fmt.Sprintf("%s is not a member as %s: %+v", x.name, x.role, m))
		}
	}
	for _, x := range w.reps {
		hist, err := x.ws.History(w.pair)
		if err != nil {
			w.fatalf("%s: history: %v", x.name, err)
		}
		var feed []string
		for _, h := range hist {
			feed = append(feed, h.Who+": "+h.What)
		}
		for _, b := range w.m.checkHistory(feed, names) {
			bad = append(bad, x.name+"'s "+b)
		}
	}
	if len(bad) > 0 {
		if len(bad) > 20 {
			bad = append(bad[:20], fmt.Sprintf("… and %d more", len(bad)-20))
		}
		w.fatalf("the converged pair breaks what the edits promised:\n  %s\nexport:\n%s", strings.Join(bad, "\n  "), w.reps[0].export())
	}

	// A replica joining now rebuilds the pair from the relay's snapshot
	// and log alone.
	code, err := w.reps[0].ws.Invite(w.pair, true)
	if err != nil {
		w.fatalf("invite: %v", err)
	}
	late := &chaosReplica{w: w, name: "Dee", role: mentoring.Mentee, dir: w.t.TempDir()}
	late.open()
	defer late.ws.Close()
	if _, err := late.ws.Join(code, late.name, late.role); err != nil {
		w.fatalf("late join: %v", err)
	}
	if err := late.syncOnce(); err != nil {
		w.fatalf("late joiner cannot sync: %v", err)
	}
	if ja, jl := w.reps[0].export(), late.export(); ja != jl {
		w.fatalf("a late joiner rebuilds a different pair from the relay:\n%s", lineDiff(ja, jl))
	}
}

// checkStatuses fails on any sync failure the injected faults do not explain.
func (w *chaosWorld) checkStatuses() {
	w.t.Helper()
	for _, x := range w.reps {
		x.mu.Lock()
		bad := x.bad
		x.mu.Unlock()
		if len(bad) > 0 {
			w.fatalf("%s's engine failed in a way no injected fault explains: %s", x.name, strings.Join(bad, "; "))
		}
	}
}

// lineDiff shows the first lines where a and b differ.
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		if i >= len(la) || i >= len(lb) || la[i] != lb[i] {
			from, to := max(0, i-3), i+4
			var out bytes.Buffer
			for j := from; j < to; j++ {
				fmt.Fprintf(&out, "%4d  %-60.60s | %s\n", j+1, at(la, j), at(lb, j))
			}
			return out.String()
		}
	}
	return "(no line differs)"
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
