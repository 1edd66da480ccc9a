package syncclient

// TestChaosTwoInstances runs chaos seeds against two relay instances on
// one PostgreSQL database, behind one forwarder that stands in for the
// organisation's load balancer: the replicas know only its address, and
// each connection goes to an instance that answers. Faults hit one
// instance at a time (SIGKILL in every seed, graceful restarts and stops);
// while one is down its clients reconnect to the other, and healing starts
// every instance. Everything else is TestChaos: the same schedules, model
// and checks.
//
// It runs a few short seeds by default; more with its own knobs:
//
//	go test -race -tags ci ./app/syncclient -run 'TestChaosTwoInstances$' -seed=N -count=20
//	PAIRWISE_CHAOS2_SEEDS=500 PAIRWISE_CHAOS2_FIRST=100 PAIRWISE_CHAOS2_STEPS=100 go test -tags ci -timeout 2h ./app/syncclient -run 'TestChaosTwoInstances$'

import (
	"flag"
	"fmt"
	"testing"

	"pairwise/syncserver/pgtest"
	"pairwise/syncserver/relaytest"
)

var chaosTwoInstances = chaosKnobs{
	seeds: flag.Int("chaos2.seeds", 0, "how many two-instance chaos seeds to run (or PAIRWISE_CHAOS2_SEEDS; default 12, 6 with -short)"),
	first: flag.Int64("chaos2.first", 0, "first two-instance chaos seed (or PAIRWISE_CHAOS2_FIRST; default 1)"),
	steps: flag.Int("chaos2.steps", 0, "most steps in one two-instance seed's schedule (or PAIRWISE_CHAOS2_STEPS; default 40)"),
	env:   "PAIRWISE_CHAOS2", defSeeds: 12, defShort: 6, defSteps: 40,
}

func TestChaosTwoInstances(t *testing.T) {
	runChaosSeeds(t, chaosSettings(t, chaosTwoInstances), 2)
}

// startRelays starts the seed's relay: one on its own data folder, or n
// instances on a fresh PostgreSQL database behind a forwarder.
func (w *chaosWorld) startRelays(n int) {
	if n == 1 {
		r := startRelay(w.t)
		w.relays, w.url, w.token = []*relay{r}, r.url, r.token
		return
	}
	w.relays = startSharedRelays(w.t, pgtest.Start(w.t), n)
	var addrs []string
	for _, r := range w.relays {
		addrs = append(addrs, r.addr)
	}
	fwd, err := relaytest.Forward(addrs...)
	if err != nil {
		w.fatalf("forwarder: %v", err)
	}
	w.t.Cleanup(fwd.Close)
	w.url, w.token = "ws://"+fwd.Addr(), w.relays[0].token
}

// relayName names instance i in the schedule's log.
func (w *chaosWorld) relayName(i int) string {
	if len(w.relays) == 1 {
		return "relay"
	}
	return fmt.Sprintf("relay %c", 'A'+i)
}
