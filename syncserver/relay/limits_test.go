package relay

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"pairwise/shared/wire"
)

// TestIdleConnectionsAreClosed: a connection that says hello but opens no
// pair is closed once the window passes, while one that opened a pair
// stays; one address may hold only so many connections; and the HTTP
// server's timeouts, which stop idle HTTP clients from holding file
// descriptors, do not cut an upgraded WebSocket connection.
func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Run("no pair opened", func(t *testing.T) {
		limits := DefaultLimits()
		limits.SubscribeTimeout = 200 * time.Millisecond
		r := startRelay(t, limits)
		// Connected first, so its window ends before the idle one's.
		a := dial(t, r.url)
		a.hello(r.token)
		d := newDoc()
		a.create(d)
		a.subscribe(d.id, d.write[:], 0)
		reader := dial(t, r.url)
		reader.hello("")
		reader.subscribe(d.id, d.read[:], 0)

		idle := dial(t, r.url)
		idle.hello("")
		_, err := idle.read() // nothing comes but the close
		if st := websocket.CloseStatus(err); st != websocket.StatusPolicyViolation {
			t.Fatalf("idle connection ended with %v, want close status %d", err, websocket.StatusPolicyViolation)
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "no pair was opened") {
			t.Errorf("close reason %q does not say why", ce.Reason)
		}
		if n := testutil.ToFloat64(r.srv.m.idleClosed); n != 1 {
			t.Errorf("%v connections closed for opening no pair, want 1", n)
		}
		// The writer and the reader, past their window too, carry on.
		a.expectAck(a.push(d.id, 1, "still here"))
		if recs := reader.readRecords(1); string(recs[0].Body) != "still here" {
			t.Errorf("reader got %q", recs[0].Body)
		}
	})

	t.Run("per-address cap", func(t *testing.T) {
		limits := DefaultLimits()
		limits.MaxConnsPerAddr = 3
		r := startRelay(t, limits)
		var open []*client
		for range 3 {
			open = append(open, dial(t, r.url))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, r.url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
		if err == nil {
			ws.CloseNow()
			t.Fatal("a fourth connection from one address was accepted with a cap of 3")
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("fourth connection: %v, want HTTP %d", err, http.StatusTooManyRequests)
		}
		if n := testutil.ToFloat64(r.srv.m.refused.WithLabelValues(string(wire.CodeRateLimited))); n != 1 {
			t.Errorf("%v connections refused for their address, want 1", n)
		}
		// The cap counts open connections: once one closes, another may come.
		open[0].ws.Close(websocket.StatusNormalClosure, "")
		for {
			ws, _, err := websocket.Dial(ctx, r.url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
			if err == nil {
				ws.CloseNow()
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("no connection accepted after one of three closed: %v", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("HTTP timeouts spare WebSockets", func(t *testing.T) {
		hs := NewHTTPServer(http.NotFoundHandler())
		if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.IdleTimeout <= 0 {
			t.Fatalf("NewHTTPServer leaves a timeout unset: header %v, read %v, idle %v", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.IdleTimeout)
		}
		r := startRelay(t, DefaultLimits())
		short := httptest.NewUnstartedServer(r.srv.Handler())
		short.Config.ReadTimeout = 50 * time.Millisecond
		short.Config.WriteTimeout = 50 * time.Millisecond
		short.Config.IdleTimeout = 50 * time.Millisecond
		short.Start()
		defer short.Close()
		a := dial(t, "ws"+strings.TrimPrefix(short.URL, "http"))
		a.hello(r.token)
		d := newDoc()
		a.create(d)
		a.subscribe(d.id, d.write[:], 0)
		// Let every HTTP deadline the upgrade request had pass.
		time.Sleep(200 * time.Millisecond)
		// Both ways still work: the push is read, its ack written.
		a.expectAck(a.push(d.id, 1, "after the HTTP timeouts"))
	})
}
