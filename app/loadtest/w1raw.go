package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"time"

	"pairwise/shared/wire"
)

// rawRecordSize is the sealed size of a typical W1 edit (a SendMessage
// change is about 200 bytes, sealing adds 40).
const rawRecordSize = 240

// rawBody is a record body for the raw clients: random bytes, as sealed
// ones are, and new for every record. One body for all of them, as the
// raw clients once sent, compressed in the relay's tables as no real
// record does, and made its flushes and compactions lighter than they are.
func rawBody() []byte {
	b := make([]byte, rawRecordSize)
	rand.Read(b)
	return b
}

// runW1Raw is W1 with the client engines taken out: a raw wire writer
// pushes sealed-size records on W1's schedule and a raw reader timestamps
// their arrival. It is not a handbook workload; it shows how much of W1's
// latency is the relay's (its group commit and fan-out) and how much the
// client engine's.
func runW1Raw(ctx context.Context, e *env, cfg w1Config, rep *report) error {
	const wl = "W1 relay only"
	rl, err := e.relay(ctx, "w1raw")
	if err != nil {
		return err
	}
	defer rl.stop()
	doc := newRawDoc()
	if err := createRawDocs(ctx, rl, []rawDoc{doc}); err != nil {
		return err
	}
	w, r, err := rawPair(ctx, rl.url, doc)
	if err != nil {
		return err
	}
	defer w.close()
	defer r.close()

	total := cfg.Warmup + cfg.Edits
	sent, seen := make([]atomic.Int64, total), make([]atomic.Int64, total)
	arrived := make(chan error, 1)
	go func() { arrived <- r.timeRecords(total, seen, nil) }()
	go w.idle() // acknowledgements and the writer's own records

	e.progress("W1 relay only: %d records, one every %s", total, cfg.Interval)
	cpu, c0 := startCPU(rl), rl.commits()
	run, err := schedule(ctx, total, now()+200*time.Millisecond, cfg.Interval, func(i int) error {
		m := w.pushMsg(uint64(i+1), doc.id, uint64(i+1), rawBody()) // signing is the client's time, not the relay's
		sent[i].Store(int64(now()))
		return w.send(ctx, m)
	})
	if err != nil {
		return err
	}
	select {
	case err := <-arrived:
		if err != nil {
			return err
		}
	case <-time.After(applyLimit):
		return fmt.Errorf("W1 relay only: records still missing after %s", applyLimit)
	}
	phase := cpu.stop()

	lat := make([]time.Duration, 0, cfg.Edits)
	for k := cfg.Warmup; k < total; k++ {
		lat = append(lat, time.Duration(seen[k].Load()-sent[k].Load()))
	}
	s := summarise(lat)
	rep.duration(wl, "push → reader received, p50", s.P50, 0, "")
	rep.duration(wl, "push → reader received, p99", s.P99, 0, "")
	rep.duration(wl, "push → reader received, max", s.Max, 0, "")
	rep.info(wl, "relay group commits", rl.commits().since(c0))
	rep.info(wl, "CPU", phase.String())
	rep.duration(wl, "writer behind schedule (max)", run.behind, 0, "")
	rep.schedule(wl, "writer", run.behind)
	rep.setLatency("w1raw", s)
	rep.setMs("w1raw", keyBehind, run.behind)
	if m, err := rl.mem(); err == nil {
		rep.setMiB("w1raw", keyPeakRSS, m.HWM)
	}
	e.progress("W1 relay only: %s", s)
	return nil
}

// rawPair connects a writer (doc's owner) and a reader that both follow
// doc.
func rawPair(ctx context.Context, url string, doc rawDoc) (w, r *rawConn, err error) {
	err = withTimeout(ctx, 30*time.Second, func(ctx context.Context) error {
		if w, err = dialRawAs(ctx, url, "", doc.owner); err != nil {
			return err
		}
		if err = w.subscribe(ctx, doc); err != nil {
			return err
		}
		if r, err = dialRaw(ctx, url, ""); err != nil {
			return err
		}
		return r.subscribe(ctx, doc)
	})
	if err != nil {
		if w != nil {
			w.close()
		}
		if r != nil {
			r.close()
		}
	}
	return w, r, err
}

// timeRecords reads until it has seen records 1..n, stamping when each
// arrived (record DSeq k+1 is push k) and counting them into got if set.
func (c *rawConn) timeRecords(n int, seen []atomic.Int64, count *atomic.Int64) error {
	got := 0
	for got < n {
		m, err := c.recv(context.Background())
		if err != nil {
			return fmt.Errorf("reader: %w", err)
		}
		recs, ok := m.(*wire.Records)
		if !ok {
			continue
		}
		at := int64(now())
		for _, rec := range recs.Recs {
			if k := int(rec.DSeq) - 1; k >= 0 && k < n && seen[k].Load() == 0 {
				seen[k].Store(at)
				got++
				if count != nil {
					count.Add(1)
				}
			}
		}
	}
	return nil
}
