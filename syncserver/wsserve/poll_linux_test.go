package wsserve

import (
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestPollerReusesItsReaders: connections that speak one after another are
// read by the goroutines that read the ones before, not each by a new one
// (whose small stack grew by copying while it decoded).
func TestPollerReusesItsReaders(t *testing.T) {
	s := startServer(t, true)
	const conns, rounds = 20, 10
	ws := make([]*websocket.Conn, conns)
	for i := range ws {
		ws[i], _ = s.dial(t)
	}
	ctx := ctx5(t)
	before := s.p.began.Load()
	for range rounds {
		for _, c := range ws {
			if err := c.Write(ctx, websocket.MessageBinary, []byte("hi")); err != nil {
				t.Fatal(err)
			}
			if _, got, err := c.Read(ctx); err != nil || string(got) != "hi" {
				t.Fatalf("echo: %q, %v", got, err)
			}
		}
	}
	if began := s.p.began.Load() - before; began > conns/4 {
		t.Fatalf("%d messages, one connection at a time, started %d reading goroutines; want at most %d", conns*rounds, began, conns/4)
	}
}

// TestPollerReadersEndWhenQuiet: once every connection is quiet, the
// Poller's reading goroutines end, so idle connections cost none.
func TestPollerReadersEndWhenQuiet(t *testing.T) {
	s := startServer(t, true)
	const conns = 30
	ws := make([]*websocket.Conn, conns)
	for i := range ws {
		ws[i], _ = s.dial(t)
	}
	time.Sleep(ReaderIdle + 100*time.Millisecond) // the handshakes' readers end
	quiet := runtime.NumGoroutine()
	ctx := ctx5(t)
	for _, c := range ws { // all at once, so several readers start
		if err := c.Write(ctx, websocket.MessageBinary, []byte("hi")); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range ws {
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s.p.began.Load() == 0 {
		t.Fatal("no reading goroutine started")
	}
	deadline := time.Now().Add(ReaderIdle + 3*time.Second)
	for runtime.NumGoroutine() > quiet {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines %v after the last message, want at most %d as before it", runtime.NumGoroutine(), ReaderIdle+3*time.Second, quiet)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
