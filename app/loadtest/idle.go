package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// idleConfig scales Idle.
type idleConfig struct {
	Conns int
	Idle  time.Duration
}

// runIdle is "Idle": many connections subscribe and then stay idle; what
// does each cost the relay? Two connections follow each document, as the
// two machines of a pair would.
func runIdle(ctx context.Context, e *env, cfg idleConfig, rep *report) error {
	const wl = "Idle"
	rl, err := e.relay(ctx, "idle")
	if err != nil {
		return err
	}
	defer rl.stop()

	docs := make([]rawDoc, (cfg.Conns+1)/2)
	for i := range docs {
		docs[i] = newRawDoc()
	}
	if err := createRawDocs(ctx, rl, docs); err != nil {
		return err
	}
	// Give the relay a moment to settle after the creates, then take the
	// baseline: what it holds before any subscriber.
	if err := sleepCtx(ctx, time.Second); err != nil {
		return err
	}
	base, err := rl.mem()
	if err != nil {
		return err
	}
	rt0, _ := rl.metrics(runtimeSeries...)

	e.progress("Idle: opening %d connections, 50 at a time", cfg.Conns)
	g, err := connectIdle(ctx, rl.url, docs, cfg.Conns)
	defer g.close()
	if err != nil {
		return err
	}
	if err := sleepCtx(ctx, cfg.Idle); err != nil {
		return err
	}
	held, err := rl.mem()
	if err != nil {
		return err
	}
	rt1, _ := rl.metrics(runtimeSeries...)

	per := (held.RSS - base.RSS) / int64(cfg.Conns)
	rep.bytes(wl, "relay RSS per connection", per, "KiB", 12, "Yjs ~23 KiB")
	rep.bytes(wl, "relay RSS before connections", base.RSS, "MiB", 0, "")
	rep.bytes(wl, fmt.Sprintf("relay RSS with %d idle connections", cfg.Conns), held.RSS, "MiB", 0, "")
	rep.bytes(wl, "relay peak RSS (VmHWM)", held.HWM, "MiB", 0, "")
	rep.set("idle", keyPerConn, float64(per)/(1<<10))
	rep.setMiB("idle", keyIdleRSS, held.RSS)
	rep.setMiB("idle", keyPeakRSS, held.HWM)
	rep.set("idle", "connections", float64(cfg.Conns))
	if rt0 != nil && rt1 != nil {
		n := float64(cfg.Conns)
		rep.info(wl, "relay per connection: goroutines, stack, heap",
			fmt.Sprintf("%.1f, %.1f KiB, %.1f KiB",
				(rt1["go_goroutines"]-rt0["go_goroutines"])/n,
				(rt1["go_memstats_stack_inuse_bytes"]-rt0["go_memstats_stack_inuse_bytes"])/n/1024,
				(rt1["go_memstats_heap_inuse_bytes"]-rt0["go_memstats_heap_inuse_bytes"])/n/1024))
	}
	e.progress("Idle: %d connections, %.1f KiB per connection", cfg.Conns, float64(per)/1024)
	return nil
}

// idleGroup is a set of idle raw connections and their reading goroutines.
type idleGroup struct {
	conns []*rawConn
	wg    sync.WaitGroup
}

// connectIdle opens n connections, 50 at a time as W2 connects, each
// subscribing to docs[i/2], and keeps reading them in the background.
func connectIdle(ctx context.Context, url string, docs []rawDoc, n int) (*idleGroup, error) {
	g := &idleGroup{conns: make([]*rawConn, n)}
	err := parallel(n, 50, func(i int) error {
		return withTimeout(ctx, 30*time.Second, func(ctx context.Context) error {
			c, err := dialRaw(ctx, url, "")
			if err != nil {
				return fmt.Errorf("connection %d: %w", i, err)
			}
			g.conns[i] = c
			if err := c.subscribe(ctx, docs[i/2]); err != nil {
				return fmt.Errorf("connection %d: subscribe: %w", i, err)
			}
			g.wg.Add(1)
			go func() { defer g.wg.Done(); c.idle() }()
			return nil
		})
	})
	return g, err
}

// close closes every connection and waits for their readers to end.
func (g *idleGroup) close() {
	for _, c := range g.conns {
		if c != nil {
			c.close()
		}
	}
	g.wg.Wait()
}

// runtimeSeries are the relay's Go runtime figures that explain where its
// memory per connection goes.
var runtimeSeries = []string{"go_goroutines", "go_memstats_stack_inuse_bytes", "go_memstats_heap_inuse_bytes"}

// createRawDocs registers docs on the relay over one connection with the
// organisation token, in chunks that stay inside its rate limits.
func createRawDocs(ctx context.Context, rl *relayProc, docs []rawDoc) error {
	return withTimeout(ctx, 2*time.Minute, func(ctx context.Context) error {
		c, err := dialRaw(ctx, rl.url, rl.token)
		if err != nil {
			return err
		}
		defer c.close()
		for len(docs) > 0 {
			n := min(len(docs), 500)
			if err := c.createDocs(ctx, docs[:n]); err != nil {
				return fmt.Errorf("create documents: %w", err)
			}
			docs = docs[n:]
		}
		return nil
	})
}
