package main

import (
	"context"
	"time"
)

// editRun is what the writer side saw of a run of edits.
type editRun struct {
	first, last time.Duration   // first edit started; last edit returned (durable)
	behind      time.Duration   // worst lateness against the schedule
	calls       []time.Duration // each edit call, from the call until it returned
}

// now is the time since epoch on the monotonic clock.
func now() time.Duration { return time.Since(epoch) }

// schedule calls edit(0..n-1) on an absolute schedule: call i is due at
// start+i*interval, whatever the calls before it cost, so a slow edit shows
// up as lateness rather than as a slower rate. interval 0 means back to
// back.
func schedule(ctx context.Context, n int, start, interval time.Duration, edit func(i int) error) (editRun, error) {
	r := editRun{calls: make([]time.Duration, 0, n)}
	for i := range n {
		due := start + time.Duration(i)*interval
		if err := sleepCtx(ctx, due-now()); err != nil {
			return r, err
		}
		t := now()
		if i == 0 {
			r.first = t
		}
		if interval > 0 {
			r.behind = max(r.behind, t-due)
		}
		if err := edit(i); err != nil {
			return r, err
		}
		r.last = now()
		r.calls = append(r.calls, r.last-t)
	}
	return r, nil
}

// paced makes edits [from, from+n) of p on schedule.
func paced(ctx context.Context, p *pair, from, n int, start, interval time.Duration) (editRun, error) {
	return schedule(ctx, n, start, interval, func(i int) error { return p.edit(from + i) })
}
