package relay

import (
	"runtime"
	"testing"
	"time"

	"pairwise/syncserver/wsserve"
)

// TestIdleConnectionsHoldNoGoroutine: a connection that subscribed and then
// sends nothing costs the relay no goroutine of its own, however many there
// are (the Poller waits for all of them; see wsserve). It counts the
// process's goroutines, which the test's own clients do not add to while
// they do not read.
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("off Linux each connection reads on a goroutine of its own")
	}
	limits := DefaultLimits()
	limits.MaxConnsPerAddr = 0 // every test client comes from loopback
	r := startRelay(t, limits)
	owner := dial(t, r.url)
	owner.hello(r.token)
	d := newDoc()
	owner.create(d)
	open := func(n int) {
		for range n {
			c := dial(t, r.url)
			c.hello("")
			c.subscribe(d.id, d.read[:], 0)
		}
	}
	open(10)
	before := settledGoroutines()
	const more = 100
	open(more)
	after := settledGoroutines()
	if grew := after - before; grew > more/10 {
		t.Fatalf("goroutines grew by %d with %d more idle connections (from %d to %d), want at most %d",
			grew, more, before, after, more/10)
	}
	if n := countSubs(r, d.id); n != 10+more {
		t.Fatalf("%d subscriptions, want %d", n, 10+more)
	}
}

// settledGoroutines is the goroutine count once it stops falling: the
// readers of connections that just spoke linger (readLinger), then wait
// for another connection to read (wsserve.ReaderIdle), before they end,
// and a finished write or a timer's callback takes a moment too. It gives
// up after ten seconds and returns the fewest seen.
func settledGoroutines() int {
	const tick = 10 * time.Millisecond
	steady := int((readLinger + wsserve.ReaderIdle + 500*time.Millisecond) / tick) // ticks with no fall
	least, same := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(10 * time.Second); same < steady && time.Now().Before(deadline); {
		time.Sleep(tick)
		if n := runtime.NumGoroutine(); n < least {
			least, same = n, 0
		} else {
			same++
		}
	}
	return least
}
