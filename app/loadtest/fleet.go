package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// fleet is the relay instances one workload runs against: one relay, or
// with -relays N several serving the same PostgreSQL database, as behind a
// load balancer.
type fleet []*relayProc

// fleet starts n fresh relays for the workload name, all admitting one
// organisation token. Without a store the one relay keeps its data in its
// own folder, as before; on a store every instance serves the database.
func (e *env) fleet(ctx context.Context, name string, n int) (fleet, error) {
	if n > 1 && e.store == "" {
		return nil, fmt.Errorf("%d relay instances need a shared store: pass -store", n)
	}
	dir, err := e.dir(name, "relay")
	if err != nil {
		return nil, err
	}
	tokName := "load"
	if e.store != "" {
		// The database may hold earlier runs' tokens, and a live token's
		// name is unique.
		tokName = fmt.Sprintf("pairwise-load-%s-%s", name, time.Now().UTC().Format("20060102T150405.000000"))
	}
	tok, err := issueToken(ctx, e.bin, dir, e.store, tokName)
	if err != nil {
		return nil, err
	}
	if e.store != "" {
		e.tokens = append(e.tokens, tokName)
	}
	var f fleet
	for i := range n {
		d := dir
		if n > 1 {
			if d, err = e.dir(name, fmt.Sprintf("relay%d", i+1)); err != nil {
				f.stop()
				return nil, err
			}
		}
		r, err := startRelay(ctx, e.bin, d, e.store, tok, e.relayCPU)
		if err != nil {
			f.stop()
			return nil, err
		}
		f = append(f, r)
	}
	// The anchors read the idle server 300 ms after start; so do we.
	time.Sleep(300 * time.Millisecond)
	return f, nil
}

// stop stops every instance, all at once.
func (f fleet) stop() {
	parallel(len(f), len(f), func(i int) error { f[i].stop(); return nil })
}

// mem reads every instance's memory; an instance that cannot be read
// counts as zero.
func (f fleet) mem() []memStat {
	out := make([]memStat, len(f))
	for i, r := range f {
		out[i], _ = r.mem()
	}
	return out
}

// commits sums the instances' group-commit counters.
func (f fleet) commits() commitStats {
	var c commitStats
	for i, r := range f {
		ci := r.commits()
		if i == 0 {
			c.delivery = ci.delivery
		} else {
			c.delivery = c.delivery.plus(ci.delivery)
		}
		c.commits += ci.commits
		c.records += ci.records
		c.seconds += ci.seconds
		c.allocBytes += ci.allocBytes
		c.allocObjects += ci.allocObjects
		c.collections += ci.collections
	}
	return c
}

// metrics reads the named series of every instance (nil for one that
// cannot be read).
func (f fleet) metrics(names ...string) []map[string]float64 {
	out := make([]map[string]float64, len(f))
	for i, r := range f {
		out[i], _ = r.metrics(names...)
	}
	return out
}

// sumMem adds up the instances' figures picked by pick.
func sumMem(ms []memStat, pick func(memStat) int64) int64 {
	var n int64
	for _, m := range ms {
		n += pick(m)
	}
	return n
}

// eachMem lists the instances' figures picked by pick: "41.2 MiB, 40.8 MiB".
func eachMem(ms []memStat, pick func(memStat) int64) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = mib(pick(m))
	}
	return strings.Join(parts, ", ")
}

func rss(m memStat) int64 { return m.RSS }
func hwm(m memStat) int64 { return m.HWM }
