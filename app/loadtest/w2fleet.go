package main

import (
	"context"
	"fmt"
)

// reportW2Memory adds the relays' memory figures: for one relay as W2 has
// always reported them; for several, their sums (a sum of peaks bounds the
// peak of the sum from above), then each instance against the handbook's
// targets for one relay.
func reportW2Memory(rep *report, cfg w2Config, m w2Memory) {
	const wl = w2Name
	conns := fmt.Sprintf("relay RSS, idle with %d connections", 2*cfg.Docs)
	if len(m.idle) == 1 {
		rep.bytes(wl, "relay RSS, empty", m.empty[0].RSS, "MiB", 0, "Yjs ~57 MiB")
		rep.bytes(wl, conns, m.idle[0].RSS, "MiB", 40, "Yjs 79.9 MiB")
		rep.bytes(wl, "relay peak RSS (VmHWM)", m.after[0].HWM, "MiB", 50, "Yjs 101 MiB")
		rep.bytes(wl, "relay peak RSS until connected", m.idle[0].HWM, "MiB", 0, "")
		rep.info(wl, "relay RSS idle, split", m.idle[0].split())
		rep.info(wl, "relay RSS after edits, split", m.after[0].split())
		if rt := m.runtime[0]; rt != nil {
			rep.info(wl, "relay Go heap in use, stacks, after edits", heapStacks(rt))
		}
		return
	}
	sum := fmt.Sprintf(", sum of %d instances", len(m.idle))
	rep.bytes(wl, "relay RSS, empty"+sum, sumMem(m.empty, rss), "MiB", 0, "")
	rep.info(wl, "relay RSS, empty, each instance", eachMem(m.empty, rss))
	rep.bytes(wl, conns+sum, sumMem(m.idle, rss), "MiB", 0, "")
	rep.bytes(wl, "relay peak RSS (VmHWM)"+sum, sumMem(m.after, hwm), "MiB", 0, "")
	rep.bytes(wl, "relay peak RSS until connected"+sum, sumMem(m.idle, hwm), "MiB", 0, "")
	for i := range m.idle {
		n := i + 1
		rep.bytes(wl, fmt.Sprintf("relay %d RSS, idle with its %d connections", n, instanceConns(cfg.Docs, len(m.idle), i)), m.idle[i].RSS, "MiB", 40, "Yjs 79.9 MiB (one server)")
		rep.bytes(wl, fmt.Sprintf("relay %d peak RSS (VmHWM)", n), m.after[i].HWM, "MiB", 50, "Yjs 101 MiB (one server)")
		rep.info(wl, fmt.Sprintf("relay %d RSS idle, split", n), m.idle[i].split())
		rep.info(wl, fmt.Sprintf("relay %d RSS after edits, split", n), m.after[i].split())
		if rt := m.runtime[i]; rt != nil {
			rep.info(wl, fmt.Sprintf("relay %d Go heap in use, stacks, after edits", n), heapStacks(rt))
		}
	}
}

// instanceConns is how many connections instance i of n holds: the
// writers of the pairs j with j mod n = i and the readers of those with
// (j+1) mod n = i (see openW2).
func instanceConns(docs, n, i int) int {
	c := 0
	for j := range docs {
		if j%n == i {
			c++
		}
		if (j+1)%n == i {
			c++
		}
	}
	return c
}

func heapStacks(rt map[string]float64) string {
	return mib(int64(rt["go_memstats_heap_inuse_bytes"])) + ", " + mib(int64(rt["go_memstats_stack_inuse_bytes"]))
}

// reportDB adds the PostgreSQL database's size after W2, and what W2 added
// to it (the database may hold more than this run).
func reportDB(ctx context.Context, rep *report, store string, before int64) {
	after, err := dbSize(ctx, store)
	if err != nil {
		rep.note("W2: could not read the database's size: %v", err)
		return
	}
	rep.bytes(w2Name, "database size after the edits", after, "MiB", 0, "")
	rep.bytes(w2Name, "database grew during W2 by", after-before, "MiB", 0, "")
	rep.setMiB("w2", keyDBSize, after)
	rep.setMiB("w2", keyDBGrowth, after-before)
}

// reportApplied adds how many edits the readers applied: every one, or W2
// would have failed; with several relays each crossed instances.
func reportApplied(rep *report, cfg w2Config, pairs []*pair) {
	n := 0
	for _, p := range pairs {
		n += p.track.edits()
	}
	want := len(pairs) * (cfg.Warmup + cfg.Edits)
	rep.add(figure{workload: w2Name, name: "edits applied by readers on another instance than their writer's",
		value: fmt.Sprintf("%d of %d", n, want), raw: float64(n)})
	rep.set("w2", keyEditsApplied, float64(n))
}
