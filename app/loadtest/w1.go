package main

import (
	"context"
	"fmt"
	"time"
)

// w1Config scales W1.
type w1Config struct {
	Warmup, Edits int
	Interval      time.Duration
}

// runW1 is "W1 pair": one document, one writer, one reader; warm-up edits,
// then measured edits on an absolute schedule.
func runW1(ctx context.Context, e *env, cfg w1Config, rep *report) error {
	rl, err := e.relay(ctx, "w1")
	if err != nil {
		return err
	}
	defer rl.stop()
	p, err := e.openPair(ctx, "w1", rl.url, rl.url, rl.token)
	if err != nil {
		return err
	}
	defer p.close()
	if err := p.arm(cfg.Warmup + cfg.Edits); err != nil {
		return err
	}

	e.progress("W1: %d warm-up edits", cfg.Warmup)
	if err := editAndWait(ctx, p, 0, cfg.Warmup, cfg.Interval, 200*time.Millisecond); err != nil {
		return fmt.Errorf("W1 warm-up: %w", err)
	}
	if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
		return err
	}

	e.progress("W1: %d measured edits, one every %s", cfg.Edits, cfg.Interval)
	cpu, c0, h0 := startCPU(rl), rl.commits(), readHeapUse()
	run, err := editsThenWait(ctx, p, cfg.Warmup, cfg.Edits, cfg.Interval, 300*time.Millisecond)
	if err != nil {
		return fmt.Errorf("W1: %w", err)
	}
	phase, heap := cpu.stop(), readHeapUse().minus(h0)
	if err := p.verify(); err != nil {
		return err
	}

	lat := reportW1(rep, rl, p, cfg, run, phase, heap, c0)
	e.progress("W1: %s", lat)
	return nil
}

// reportW1 adds W1's figures: latency as the handbook asks, then what
// explains it (the writer's own edit calls, CPU, the relay's commits).
func reportW1(rep *report, rl *relayProc, p *pair, cfg w1Config, run editRun, phase phaseCPU, heap heapUse, c0 commitStats) latency {
	const wl = "W1 pair"
	end := cfg.Warmup + cfg.Edits
	lat := summarise(p.track.latencies(cfg.Warmup, end))
	lastSeen := p.track.seenAt(end - 1)
	rep.duration(wl, "latency p50", lat.P50, 900*time.Microsecond, "Yjs 0.70 ms")
	rep.duration(wl, "latency p95", lat.P95, 0, "Yjs 4.05 ms")
	rep.duration(wl, "latency p99", lat.P99, 3400*time.Microsecond, "Yjs 6.76 ms")
	rep.duration(wl, "latency max", lat.Max, 0, "Yjs 15.3 ms")
	rep.duration(wl, "tail after last edit", lastSeen-run.last, 0, "Yjs 0.51 ms")
	rep.duration(wl, "converge (first edit → last applied)", lastSeen-run.first, 0, "Yjs 3999 ms")
	rep.duration(wl, "writer behind schedule (max)", run.behind, 0, "Yjs 10.1 ms")
	rep.schedule(wl, "writer", run.behind)
	dur := summarise(run.calls)
	rep.duration(wl, "edit call to durable, p50", dur.P50, 0, "")
	rep.duration(wl, "edit call to durable, p99", dur.P99, 3*time.Millisecond, "")
	if tenth := len(run.calls) / 10; tenth > 0 {
		early, late := summarise(run.calls[:tenth]), summarise(run.calls[len(run.calls)-tenth:])
		rep.info(wl, "edit call p50, first vs last 10% of edits", ms(early.P50)+" vs "+ms(late.P50))
	}
	if m, err := rl.mem(); err == nil {
		rep.bytes(wl, "relay peak RSS (VmHWM)", m.HWM, "MiB", 0, "Yjs 64.9 MiB")
	}
	rep.info(wl, "CPU, measured phase", phase.String())
	rep.info(wl, "load tool per edit, measured phase", phase.Own.perEdit(cfg.Edits))
	rep.info(wl, "load tool's heap per edit, measured phase", heap.perEdit(cfg.Edits))
	rep.set("w1", keyAllocPerEdit, float64(heap.bytes)/float64(max(1, cfg.Edits)))
	c1 := rl.commits()
	rep.info(wl, "relay group commits, measured phase", c1.since(c0))
	rep.relayShare(wl, "w1", c1.delivery.since(c0.delivery))
	rep.info(wl, "connections lost", fmt.Sprint(p.writer.drops.Load()+p.reader.drops.Load()))
	waits, late := p.writer.ws.SendFirstWaits()
	rep.info(wl, "writer's edits sent before their disk sync", fmt.Sprintf("%d of %d (the wait ran out for %d)", waits-late, end, late))

	rep.setLatency("w1", lat)
	rep.setMs("w1", keyDurableP99, dur.P99)
	rep.setMs("w1", keyBehind, run.behind)
	rep.setMs("w1", keyTail, lastSeen-run.last)
	if m, err := rl.mem(); err == nil {
		rep.setMiB("w1", keyPeakRSS, m.HWM)
	}
	rep.setCPU("w1", phase)
	return lat
}

// editAndWait makes n paced edits starting lead from now and waits until
// the reader has applied them.
func editAndWait(ctx context.Context, p *pair, from, n int, interval, lead time.Duration) error {
	_, err := editsThenWait(ctx, p, from, n, interval, lead)
	return err
}

// editsThenWait is editAndWait that also returns the writer's view.
func editsThenWait(ctx context.Context, p *pair, from, n int, interval, lead time.Duration) (editRun, error) {
	run, err := paced(ctx, p, from, n, p.track.now()+lead, interval)
	if err != nil {
		return run, err
	}
	wctx, cancel := context.WithTimeout(ctx, applyLimit)
	defer cancel()
	if err := p.track.wait(wctx, from+n); err != nil {
		return run, fmt.Errorf("the reader applied %d of %d edits: %w", p.track.edits(), from+n, err)
	}
	return run, nil
}
