package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// A change that may go before its disk sync (see AppendLocal) is sent
// before the sync: when the OnQueued function says a sender will put it on
// the wire at once, AppendLocal waits for Sent to report it, at most
// sendFirstWait, and only then syncs. Otherwise the sync and the rest of
// the edit compete with the sending goroutine for the CPU, and on a busy or
// one-core machine the partner sees the edit later (W1, the load tool on
// one core, nine pairs of runs taking turns: p50 0.59-0.81 ms before,
// 0.52-0.63 ms with the change sent first). The edit still returns only once the change is on
// disk, later by about the time the send takes.
//
// A store kept in memory (OpenInMemory, the load tool's W2 clients) has no
// disk sync to put after the send, and does not wait: with a thousand
// clients in one process short of CPU, the waiting edits gave up the CPU
// and queued behind everyone else (W2's edit calls at p99 2.5 ms before,
// 16-78 ms with the wait).
var sendFirstWait = time.Millisecond // a variable for tests

// sendFirst is what AppendLocal waits on. Only one AppendLocal waits at a
// time (it holds the store's mu), so one timer and a wake-up of one will do.
type sendFirst struct {
	waits, late atomic.Int64 // edits that waited, and those the wait ran out for

	mu    sync.Mutex
	sent  map[string]uint64 // per document, the highest change sent
	wake  chan struct{}
	timer *time.Timer
}

// Sent tells the store that doc's changes up to dseq are on their way to
// the relay.
func (s *Store) Sent(doc string, dseq uint64) {
	f := &s.sendFirst
	f.mu.Lock()
	if f.sent == nil {
		f.sent = map[string]uint64{}
	}
	if dseq > f.sent[doc] {
		f.sent[doc] = dseq
	}
	wake := f.wake
	f.mu.Unlock()
	if wake != nil {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// SendFirstWaits reports how many edits waited for their change to be
// sent before their disk sync, and for how many of them sendFirstWait ran
// out first: the sender said it would send at once and did not.
func (s *Store) SendFirstWaits() (waits, late int64) {
	return s.sendFirst.waits.Load(), s.sendFirst.late.Load()
}

// awaitSent waits until Sent reports doc's change dseq, or sendFirstWait
// has passed. The caller holds s.mu.
func (s *Store) awaitSent(doc string, dseq uint64) {
	f := &s.sendFirst
	f.waits.Add(1)
	f.mu.Lock()
	if f.wake == nil {
		f.wake = make(chan struct{}, 1)
		f.timer = time.NewTimer(sendFirstWait)
	} else {
		f.timer.Reset(sendFirstWait)
	}
	f.mu.Unlock()
	defer f.timer.Stop()
	for {
		f.mu.Lock()
		done := f.sent[doc] >= dseq
		f.mu.Unlock()
		if done {
			return
		}
		select {
		case <-f.wake: // maybe another change's, or an old one: look again
		case <-f.timer.C:
			f.late.Add(1)
			return
		}
	}
}
