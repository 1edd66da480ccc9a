package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"
)

// rawLink is one document's raw writer and reader in W2 relay only.
type rawLink struct {
	doc        rawDoc
	w, r       *rawConn
	sent, seen []atomic.Int64
	got        atomic.Int64
}

// w2RawToolMemory is where the load tool's collector starts again in W2
// relay only (about 130 MiB are used).
const w2RawToolMemory = 1 << 30

// runW2Raw is W2 with the client engines taken out: a raw writer and a raw
// reader per document push and receive sealed-size records on W2's
// schedule. Like w1raw it is not a handbook workload: it shows the relay's
// own W2 latency, apart from the thousand client stores around it.
func runW2Raw(ctx context.Context, e *env, cfg w2Config, rep *report) error {
	const wl = "W2 relay only"
	// The tool's own collector, marking the heap of a thousand client
	// connections, held its readers back by several milliseconds at a time
	// (p99 4-9 ms against 2.2-2.9 ms without it, the relay's own share
	// under 1 ms, taking turns on a quiet machine): W2 relay only measures
	// the relay, so the tool runs without it, to a memory limit.
	runtime.GC() // what W2 left behind, so that it does not bring the limit near
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(w2RawToolMemory))
	rep.note("W2 relay only: the load tool runs without its Go collector, up to %d MiB, so that its pauses do not count as the relay's; the relay keeps its own", w2RawToolMemory>>20)
	rl, err := e.relay(ctx, "w2raw")
	if err != nil {
		return err
	}
	defer rl.stop()
	links, err := openRawLinks(ctx, rl, cfg)
	defer closeRawLinks(links)
	if err != nil {
		return err
	}
	if err := sleepCtx(ctx, cfg.Idle); err != nil {
		return err
	}
	idle, _ := rl.mem()

	e.progress("W2 relay only: %d warm-up and %d measured records per document", cfg.Warmup, cfg.Edits)
	if _, err := pushAll(ctx, links, 0, cfg.Warmup, cfg.Interval); err != nil {
		return err
	}
	cpu, c0 := startCPU(rl), rl.commits()
	behind, err := pushAll(ctx, links, cfg.Warmup, cfg.Edits, cfg.Interval)
	if err != nil {
		return err
	}
	phase := cpu.stop()
	after, _ := rl.mem()

	var lat []time.Duration
	for _, l := range links {
		for k := cfg.Warmup; k < cfg.Warmup+cfg.Edits; k++ {
			lat = append(lat, time.Duration(l.seen[k].Load()-l.sent[k].Load()))
		}
	}
	s := summarise(lat)
	rep.duration(wl, "push → reader received, p50", s.P50, 0, "Yjs 0.53 ms")
	rep.duration(wl, "push → reader received, p99", s.P99, 3*time.Millisecond, "Yjs 4.66 ms")
	rep.duration(wl, "push → reader received, max", s.Max, 0, "Yjs 7.94 ms")
	rep.bytes(wl, fmt.Sprintf("relay RSS, idle with %d connections", 2*cfg.Docs), idle.RSS, "MiB", 40, "Yjs 79.9 MiB")
	rep.bytes(wl, "relay peak RSS (VmHWM)", after.HWM, "MiB", 50, "Yjs 101 MiB")
	c1 := rl.commits()
	rep.info(wl, "relay group commits", c1.since(c0))
	rep.relayShare(wl, "w2raw", c1.delivery.since(c0.delivery))
	rep.info(wl, "CPU, measured phase", phase.String())
	rep.duration(wl, "writers behind schedule (max)", behind, 0, "Yjs 10.1 ms")
	rep.schedule(wl, "writers", behind)
	rep.setLatency("w2raw", s)
	rep.setMiB("w2raw", keyIdleRSS, idle.RSS)
	rep.setMiB("w2raw", keyPeakRSS, after.HWM)
	rep.setMs("w2raw", keyBehind, behind)
	rep.setCPU("w2raw", phase)
	e.progress("W2 relay only: %s", s)
	return nil
}

// openRawLinks creates the documents and connects a writer and a reader
// for each, W2's batch of pairs at a time.
func openRawLinks(ctx context.Context, rl *relayProc, cfg w2Config) ([]*rawLink, error) {
	total := cfg.Warmup + cfg.Edits
	links := make([]*rawLink, cfg.Docs)
	docs := make([]rawDoc, cfg.Docs)
	for i := range links {
		docs[i] = newRawDoc()
		links[i] = &rawLink{doc: docs[i], sent: make([]atomic.Int64, total), seen: make([]atomic.Int64, total)}
	}
	if err := createRawDocs(ctx, rl, docs); err != nil {
		return links, err
	}
	return links, parallel(len(links), cfg.Batch, func(i int) error {
		l := links[i]
		var err error
		if l.w, l.r, err = rawPair(ctx, rl.url, l.doc); err != nil {
			return err
		}
		go l.w.idle()
		go l.r.timeRecords(total, l.seen, &l.got)
		return nil
	})
}

func closeRawLinks(links []*rawLink) {
	for _, l := range links {
		if l != nil && l.w != nil {
			l.w.close()
			l.r.close()
		}
	}
}

// pushAll runs every writer on W2's staggered schedule, pushing records
// [from, from+n), and waits until every reader has them. It returns how far
// the latest writer fell behind its schedule.
func pushAll(ctx context.Context, links []*rawLink, from, n int, interval time.Duration) (time.Duration, error) {
	start := now() + 200*time.Millisecond
	behind := make([]time.Duration, len(links))
	err := parallel(len(links), len(links), func(j int) error {
		l := links[j]
		offset := time.Duration(j) * interval / time.Duration(len(links))
		run, err := schedule(ctx, n, start+offset, interval, func(i int) error {
			k := from + i
			m := l.w.pushMsg(uint64(k+1), l.doc.id, uint64(k+1), rawBody()) // signing is the client's time, not the relay's
			l.sent[k].Store(int64(now()))
			return l.w.send(ctx, m)
		})
		behind[j] = run.behind
		return err
	})
	if err != nil {
		return 0, err
	}
	return slices.Max(behind), waitFor(ctx, applyLimit, "readers receive every record", func() (bool, error) {
		for _, l := range links {
			if l.got.Load() < int64(from+n) {
				return false, nil
			}
		}
		return true, nil
	})
}
