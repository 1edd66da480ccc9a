package main

import (
	"context"
	"fmt"
	"time"

	"pairwise/app/syncclient"
)

// w3Config scales W3.
type w3Config struct {
	Pre, Edits int
}

// runW3 is "W3 catch-up": a reader that was offline while the writer made
// many edits reconnects; how long until it has applied them all, and how
// many bytes did it receive?
func runW3(ctx context.Context, e *env, cfg w3Config, rep *report) error {
	const wl = "W3 catch-up"
	rl, err := e.relay(ctx, "w3")
	if err != nil {
		return err
	}
	defer rl.stop()
	// The reader reaches the relay through a proxy that counts what it
	// receives on the wire.
	px, err := startProxy(rl.addr)
	if err != nil {
		return err
	}
	defer px.close()
	p, err := e.openPair(ctx, "w3", rl.url, px.url(), rl.token)
	if err != nil {
		return err
	}
	defer p.close()
	if err := p.arm(cfg.Pre + cfg.Edits); err != nil {
		return err
	}

	writerEdits, relayHasAll, err := w3Offline(ctx, e, p, cfg)
	if err != nil {
		return err
	}
	e.progress("W3: reader reconnects")
	c, err := w3Catchup(ctx, p, rl, px, cfg)
	if err != nil {
		return err
	}
	if err := p.verify(); err != nil {
		return err
	}

	rep.duration(wl, "catch-up (connect → all applied)", c.all, 21*time.Millisecond, "Yjs 42.3 ms")
	rep.bytes(wl, "bytes received (wire, via proxy)", c.wire, "KB", 35, "Yjs 25.2 KB")
	rep.bytes(wl, "relay payload sent (metrics delta)", int64(c.payload), "KB", 0, "")
	rep.duration(wl, "connect → first offline edit applied", c.first, 0, "")
	if snap, err := p.writer.ws.Snapshot(p.id); err == nil {
		rep.bytes(wl, "whole document saved (writer)", int64(len(snap)), "KB", 0, "")
	}
	rep.duration(wl, "writer: edits made offline, total", writerEdits, 0, "")
	rep.duration(wl, "writer: until relay acknowledged all", relayHasAll, 0, "")
	rep.info(wl, "CPU, catch-up", c.cpu.String())
	rep.setMs("w3", keyCatchup, c.all)
	rep.set("w3", keyBytes, float64(c.wire))
	if m, err := rl.mem(); err == nil {
		rep.setMiB("w3", keyPeakRSS, m.HWM)
	}
	e.progress("W3: caught up in %s, %d bytes", ms(c.all), c.wire)
	return nil
}

// w3Offline builds the shared history, takes the reader offline and has the
// writer make its edits until the relay has acknowledged them all. It
// returns how long the edits took and how long until all were acknowledged.
func w3Offline(ctx context.Context, e *env, p *pair, cfg w3Config) (edits, acked time.Duration, err error) {
	e.progress("W3: %d edits synced to both", cfg.Pre)
	if err := editAndWait(ctx, p, 0, cfg.Pre, 0, 0); err != nil {
		return 0, 0, fmt.Errorf("W3 shared history: %w", err)
	}
	p.reader.stop()

	e.progress("W3: reader offline; writer makes %d edits", cfg.Edits)
	t0 := now()
	if _, err := paced(ctx, p, cfg.Pre, cfg.Edits, t0, 0); err != nil {
		return 0, 0, err
	}
	edits = now() - t0
	if err := waitRelayHasAll(ctx, p); err != nil {
		return 0, 0, err
	}
	acked = now() - t0
	// The writer's engine uploads a snapshot once its pair has been quiet
	// for a second (syncclient.DefaultSnapIdle) and enough records piled up
	// since the last (at most syncclient.DefaultSnapshotEvery, fewer when
	// they weigh a quarter of the snapshot); a reader offline for longer
	// than that finds it there. Wait until it has settled (the relay's
	// snapshot within DefaultSnapshotEvery records of the end, and unmoved
	// for twice the quiet time), so the catch-up is timed against what such
	// a reader meets rather than racing the timer.
	var snap uint64
	var since time.Time
	if err := waitFor(ctx, 30*time.Second, "the writer's snapshot reaches the relay", func() (bool, error) {
		st, err := p.writer.ws.SyncState(p.id)
		if st.RelaySnap != snap || since.IsZero() {
			snap, since = st.RelaySnap, time.Now()
		}
		return st.Cursor < st.RelaySnap+syncclient.DefaultSnapshotEvery && time.Since(since) > 2*syncclient.DefaultSnapIdle, err
	}); err != nil {
		return 0, 0, err
	}
	// As the anchors do: let background work (here the relay's pruning)
	// finish before timing the catch-up.
	return edits, acked, sleepCtx(ctx, time.Second)
}

// catchup is what W3 measures of the reader's return.
type catchup struct {
	all, first time.Duration // connect → every edit / the first offline edit applied
	wire       int64         // bytes on the reader's connection
	payload    float64       // frame bytes the relay counted as sent
	cpu        phaseCPU
}

// w3Catchup reconnects the reader and waits until it has applied every edit.
func w3Catchup(ctx context.Context, p *pair, rl *relayProc, px *proxy, cfg w3Config) (catchup, error) {
	total := cfg.Pre + cfg.Edits
	before, metricsBefore := px.received(), sentBytes(rl)
	cpu := startCPU(rl)
	start := now()
	p.reader.start()
	wctx, cancel := context.WithTimeout(ctx, applyLimit)
	defer cancel()
	if err := p.track.wait(wctx, total); err != nil {
		return catchup{}, fmt.Errorf("W3: the reader applied %d of %d edits: %w", p.track.edits(), total, err)
	}
	return catchup{
		wire:    px.received() - before,
		payload: sentBytes(rl) - metricsBefore,
		all:     p.track.seenAt(total-1) - start,
		first:   p.track.seenAt(cfg.Pre) - start,
		cpu:     cpu.stop(),
	}, nil
}

// waitRelayHasAll waits until the relay has acknowledged every edit the
// writer made and sent them back to it, so the log's head is final.
func waitRelayHasAll(ctx context.Context, p *pair) error {
	return waitFor(ctx, applyLimit, "relay acknowledges every edit", func() (bool, error) {
		_, pending, err := p.writer.state(p.id)
		return pending == 0 && p.writer.synced(), err
	})
}

// sentBytes reads the relay's count of frame bytes sent to clients, 0 if
// it cannot.
func sentBytes(r *relayProc) float64 {
	m, _ := r.metrics("pairwise_relay_sent_bytes_total")
	return m["pairwise_relay_sent_bytes_total"]
}
