package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

// w2Config scales W2.
type w2Config struct {
	Docs, Warmup, Edits int
	Interval            time.Duration
	Batch               int
	Idle                time.Duration
	// Stores is where the clients' data folders live: "disk" (the scratch
	// folder) or "tmpfs" (/dev/shm; see clientStores).
	Stores string
	// SpareCPU lets the clients use what the relay leaves of its CPU, at
	// SCHED_IDLE (see spreadSelf), when the tool is pinned.
	SpareCPU bool
}

// runW2 is "W2 many pairs": as the handbook says, literally. Every document
// has a writer machine and a reader machine of its own, each with its own
// data folder, Badger store, engine and WebSocket, so the relay holds
// 2×Docs connections and this process 2×Docs stores.
func runW2(ctx context.Context, e *env, cfg w2Config, rep *report) error {
	rls, err := e.fleet(ctx, "w2", max(1, e.relays))
	if err != nil {
		return err
	}
	defer rls.stop()
	var m w2Memory
	m.empty = rls.mem()
	var db0 int64
	if e.store != "" {
		db0, _ = dbSize(ctx, e.store)
	}
	if len(rls) > 1 {
		rep.note("W2: %d relay instances on one PostgreSQL database; pair i's writer connects to instance i mod %d and its reader to the next, so every edit crosses instances: pushed through one, "+
			"announced by the database's NOTIFY, read from the database and delivered by the other. No forwarder in between (it would only add a hop); with -pin every instance shares CPU 0, the relay side's one core", len(rls), len(rls))
	}

	done, err := clientStores(e, cfg.Stores, rep)
	if err != nil {
		return err
	}
	defer done()
	if cfg.SpareCPU && e.relayCPU >= 0 {
		undo, err := spreadSelf(1)
		if err != nil {
			rep.note("W2: the clients stay on CPU 1: %v", err)
		} else {
			defer undo()
			rep.note("W2: the clients run on both CPUs under SCHED_IDLE, so they use only what the relay leaves of CPU 0 (they need more than one core at W2's rate); the relay stays pinned to CPU 0 at normal priority")
		}
	}
	// A thousand engines share this process's garbage collector, which
	// at Go's default ran often enough to put the writers seconds behind
	// (the collector's work is the tool's, not the relay's). Collecting
	// a quarter as often costs a few tens of MiB beside the stores'
	// gigabyte; each relay keeps its own setting.
	defer debug.SetGCPercent(debug.SetGCPercent(w2ClientGOGC))
	rep.note("W2: the clients' Go collector runs with GOGC=%d (1,000 engines share one heap); the relay keeps Go's default", w2ClientGOGC)
	pairs := make([]*pair, cfg.Docs)
	defer closePairs(pairs)
	if err := openW2(ctx, e, cfg, rls, pairs); err != nil {
		return err
	}
	if err := sleepCtx(ctx, cfg.Idle); err != nil {
		return err
	}
	m.idle = rls.mem() // their VmHWM is the peak while connecting
	for _, p := range pairs {
		if err := p.arm(cfg.Warmup + cfg.Edits); err != nil {
			return err
		}
	}

	e.progress("W2: %d warm-up edits per document", cfg.Warmup)
	if _, err := editAllAndWait(ctx, pairs, 0, cfg.Warmup, cfg.Interval, 200*time.Millisecond); err != nil {
		return fmt.Errorf("W2 warm-up: %w", err)
	}
	if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
		return err
	}

	e.progress("W2: %d measured edits per document, each writer one every %s", cfg.Edits, cfg.Interval)
	cpu, c0 := startCPU(rls...), rls.commits()
	runs, err := editAllAndWait(ctx, pairs, cfg.Warmup, cfg.Edits, cfg.Interval, 500*time.Millisecond)
	if err != nil {
		return fmt.Errorf("W2: %w", err)
	}
	phase := cpu.stop()
	m.after = rls.mem()
	m.runtime = rls.metrics(runtimeSeries...)
	if err := parallel(len(pairs), 2*runtime.NumCPU(), func(i int) error { return pairs[i].verify() }); err != nil {
		return err
	}
	lat := reportW2(rep, cfg, pairs, runs, m)
	together := ""
	if len(rls) > 1 {
		together = fmt.Sprintf(" (%d relays together)", len(rls))
	}
	rep.info(w2Name, "CPU, measured phase"+together, phase.String())
	rep.setCPU("w2", phase)
	c1 := rls.commits()
	rep.info(w2Name, "relay group commits, measured phase"+together, c1.since(c0))
	rep.relayShare(w2Name, "w2", c1.delivery.since(c0.delivery))
	if own, err := readMem(os.Getpid()); err == nil {
		rep.bytes(w2Name, "load tool peak RSS (all the clients' stores)", own.HWM, "MiB", 0, "")
	}
	if e.store != "" {
		reportDB(ctx, rep, e.store, db0)
	}
	if len(rls) > 1 {
		reportApplied(rep, cfg, pairs)
	}
	e.progress("W2: %s", lat)
	return nil
}

const w2Name = "W2 many pairs"

// w2ClientGOGC is the tool's GOGC while W2's clients run.
const w2ClientGOGC = 400

// w2Memory is the relays' memory at W2's milestones, one entry per
// instance.
type w2Memory struct {
	empty, idle, after []memStat
	runtime            []map[string]float64 // each relay's Go runtime after the edits
}

// openW2 opens a writer and a reader data folder per document and creates
// the pairs offline, then connects them. With several relays, pair i's
// writer uses relay i mod n and its reader the next one.
func openW2(ctx context.Context, e *env, cfg w2Config, rls fleet, pairs []*pair) error {
	e.progress("W2: opening %d data folders", 2*cfg.Docs)
	err := parallel(cfg.Docs, 2*runtime.NumCPU(), func(i int) error {
		w, r := rls[i%len(rls)], rls[(i+1)%len(rls)]
		var err error
		pairs[i], err = e.newOfflinePair(fmt.Sprintf("w2/%04d", i), w.url, r.url, w.token)
		return err
	})
	if err != nil {
		return err
	}
	e.progress("W2: connecting %d engines, %d pairs at a time", 2*cfg.Docs, cfg.Batch)
	return connectPairs(ctx, pairs, cfg.Batch)
}

// reportW2 adds W2's figures over every writer and reader.
func reportW2(rep *report, cfg w2Config, pairs []*pair, runs []editRun, m w2Memory) latency {
	const wl = w2Name
	var all, calls []time.Duration
	var first, lastEdit, lastSeen, behind time.Duration
	drops := int64(0)
	end := cfg.Warmup + cfg.Edits
	for i, p := range pairs {
		all = append(all, p.track.latencies(cfg.Warmup, end)...)
		calls = append(calls, runs[i].calls...)
		if i == 0 || runs[i].first < first {
			first = runs[i].first
		}
		lastEdit = max(lastEdit, runs[i].last)
		lastSeen = max(lastSeen, p.track.seenAt(end-1))
		behind = max(behind, runs[i].behind)
		drops += p.writer.drops.Load() + p.reader.drops.Load()
	}
	lat := summarise(all)
	rep.duration(wl, "latency p50", lat.P50, 0, "Yjs 0.53 ms")
	rep.duration(wl, "latency p99", lat.P99, 3*time.Millisecond, "Yjs 4.66 ms")
	rep.duration(wl, "latency max", lat.Max, 0, "Yjs 7.94 ms")
	reportW2Memory(rep, cfg, m)
	rep.duration(wl, "tail after last edit", lastSeen-lastEdit, 0, "Yjs 0.35 ms")
	rep.duration(wl, "converge (first edit → last applied)", lastSeen-first, 0, "Yjs 3997 ms")
	rep.duration(wl, "writers behind schedule (max)", behind, 0, "Yjs 10.1 ms")
	rep.schedule(wl, "writers", behind)
	dur := summarise(calls)
	if cfg.Stores == "disk" {
		rep.duration(wl, "edit call to durable, p50", dur.P50, 0, "")
		rep.duration(wl, "edit call to durable, p99", dur.P99, 3*time.Millisecond, "")
		rep.setMs("w2", keyDurableP99, dur.P99)
	} else {
		// The clients' stores do not reach a disk: the calls are not
		// "to durable", so W1 alone reports that figure.
		rep.duration(wl, "edit call (client store "+cfg.Stores+"), p50", dur.P50, 0, "")
		rep.duration(wl, "edit call (client store "+cfg.Stores+"), p99", dur.P99, 0, "")
	}
	rep.info(wl, "connections lost", fmt.Sprint(drops))

	rep.setLatency("w2", lat)
	rep.setMiB("w2", keyIdleRSS, sumMem(m.idle, rss))
	rep.setMiB("w2", keyPeakRSS, sumMem(m.after, hwm))
	if len(m.idle) > 1 {
		for i := range m.idle {
			rep.setMiB("w2", fmt.Sprintf("relay%d_idle_rss_mb", i+1), m.idle[i].RSS)
			rep.setMiB("w2", fmt.Sprintf("relay%d_peak_rss_mb", i+1), m.after[i].HWM)
		}
	}
	rep.setMs("w2", keyBehind, behind)
	rep.setMs("w2", keyTail, lastSeen-lastEdit)
	return lat
}

// connectPairs starts the engines batch pairs at a time: the writers of a
// batch first (they register the documents), then its readers, and waits
// until the batch is settled before the next.
func connectPairs(ctx context.Context, pairs []*pair, batch int) error {
	for b := 0; b < len(pairs); b += batch {
		group := pairs[b:min(b+batch, len(pairs))]
		if err := parallel(len(group), len(group), func(i int) error { return group[i].startWriter(ctx) }); err != nil {
			return err
		}
		if err := parallel(len(group), len(group), func(i int) error { return group[i].startReader(ctx) }); err != nil {
			return err
		}
	}
	return nil
}

// editAllAndWait runs every writer on its own schedule, writer j offset by
// j·interval/len(pairs) so the load is spread evenly, and waits until every
// reader has applied every edit.
func editAllAndWait(ctx context.Context, pairs []*pair, from, n int, interval, lead time.Duration) ([]editRun, error) {
	runs := make([]editRun, len(pairs))
	start := pairs[0].track.now() + lead
	err := parallel(len(pairs), len(pairs), func(j int) error {
		var err error
		offset := time.Duration(j) * interval / time.Duration(len(pairs))
		runs[j], err = paced(ctx, pairs[j], from, n, start+offset, interval)
		return err
	})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, applyLimit)
	defer cancel()
	for _, p := range pairs {
		if err := p.track.wait(wctx, from+n); err != nil {
			return nil, fmt.Errorf("a reader applied %d of %d edits: %w", p.track.edits(), from+n, err)
		}
	}
	return runs, nil
}

// closePairs closes every opened pair, a few at a time: closing a Badger
// store flushes it.
func closePairs(pairs []*pair) {
	parallel(len(pairs), 2*runtime.NumCPU(), func(i int) error {
		if pairs[i] != nil {
			pairs[i].close()
		}
		return nil
	})
}

// clientStores puts W2's client data folders where stores says, and
// returns how to undo it (after the pairs are closed).
//
// A thousand client stores in one process, syncing on one disk, queue
// behind each other and behind the relay's own syncs, and their thousand
// Badger instances poll in the background: the tool then falls seconds
// behind its schedule and W2 measures the tool. The issue allows "real
// engines over an in-memory store for W2 only", so by default ("memory")
// every client is exactly as it is (real workspace, engine, sealing,
// signatures, the real wire) over a Badger store kept in memory (see
// store.OpenInMemory). "tmpfs" keeps the stores whole, files and all, on
// /dev/shm, where a sync costs nothing; "disk" puts them in the scratch
// folder as every other workload does. The relay's data folder is on disk
// and durable in every case.
func clientStores(e *env, stores string, rep *report) (func(), error) {
	switch stores {
	case "disk":
		rep.note("W2: client data folders on disk, beside the relay's (every client sync hits the disk)")
		return func() {}, nil
	case "memory", "":
		e.memory = true
		rep.note("W2: client stores in memory (Badger in-memory mode, no compactors or caches): real engines, sealing, signatures and wire; %s", e.relayData())
		return func() { e.memory = false }, nil
	case "tmpfs":
		dir, err := os.MkdirTemp("/dev/shm", "pairwise-load-w2-")
		if err != nil {
			return nil, fmt.Errorf("W2 client stores on tmpfs: %w (pass -w2-stores memory or disk)", err)
		}
		e.clients = dir
		rep.note("W2: client data folders on tmpfs (%s): whole stores whose syncs cost nothing; %s", dir, e.relayData())
		return func() { e.clients = ""; os.RemoveAll(dir) }, nil
	}
	return nil, fmt.Errorf("-w2-stores: %q is not memory, tmpfs or disk", stores)
}
