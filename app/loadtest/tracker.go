package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// epoch is the origin of every timestamp the tool takes. time.Since reads
// the monotonic clock, which writer and reader share in this process.
var epoch = time.Now()

// tracker times one pair's edits from just before the writer's edit call
// to the moment the reader's workspace has applied them.
//
// The reader learns which edits arrived from its relay cursor, read in the
// workspace's Watch callback: that costs one small store read, where reading
// the whole pair there would stall the engine's session goroutine and delay
// every record behind it. pair.verify checks the content afterwards.
type tracker struct {
	sent, seen []atomic.Int64 // per edit, nanoseconds since epoch; 0 = not yet

	mu       sync.Mutex
	base     uint64 // relay sequence just before edit 0
	high     uint64 // highest relay sequence the reader has applied
	count    int    // edits seen; always a prefix, as the log is dense
	progress chan struct{}
}

func newTracker() *tracker { return &tracker{progress: make(chan struct{})} }

func (t *tracker) now() time.Duration { return now() }

// arm expects edits edits, the first of which will be record base+1.
func (t *tracker) arm(base uint64, edits int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.base, t.high, t.count = base, base, 0
	t.sent, t.seen = make([]atomic.Int64, edits), make([]atomic.Int64, edits)
}

func (t *tracker) markSent(k int) { t.sent[k].Store(int64(t.now())) }

// observe records that the reader has applied everything up to cursor at
// time at.
func (t *tracker) observe(cursor uint64, at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil || cursor <= t.high {
		return
	}
	for s := t.high + 1; s <= cursor; s++ {
		if k := int(s - t.base - 1); k < len(t.seen) {
			t.seen[k].Store(int64(at))
			t.count = k + 1
		}
	}
	t.high = cursor
	close(t.progress)
	t.progress = make(chan struct{})
}

// wait returns once the reader has applied the first n edits.
func (t *tracker) wait(ctx context.Context, n int) error {
	for {
		t.mu.Lock()
		done, ch := t.count >= n, t.progress
		t.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// edits is how many edits the reader has applied.
func (t *tracker) edits() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// expected returns the relay sequence the last edit should have, and the
// highest the reader has applied.
func (t *tracker) expected() (want, got uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.base + uint64(len(t.seen)), t.high
}

// latencies are the edit→applied times of edits [from, to).
func (t *tracker) latencies(from, to int) []time.Duration {
	out := make([]time.Duration, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, time.Duration(t.seen[k].Load()-t.sent[k].Load()))
	}
	return out
}

// seenAt is when edit k was applied by the reader.
func (t *tracker) seenAt(k int) time.Duration { return time.Duration(t.seen[k].Load()) }
