package wsserve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkEcho is one small message to the server and back, with this
// package's server reading through a Poller, on a goroutine per
// connection, and, for comparison, coder/websocket's server.
func BenchmarkEcho(b *testing.B) {
	b.Run("poller", func(b *testing.B) { benchEcho(b, startServer(b, true).url) })
	b.Run("poller-linger", func(b *testing.B) { benchEcho(b, startServerLinger(b, true, time.Second).url) })
	b.Run("goroutine", func(b *testing.B) { benchEcho(b, startServer(b, false).url) })
	b.Run("coder", func(b *testing.B) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{testProtocol}})
			if err != nil {
				return
			}
			for {
				typ, m, err := ws.Read(context.Background())
				if err != nil || ws.Write(context.Background(), typ, m) != nil {
					return
				}
			}
		}))
		defer hs.Close()
		benchEcho(b, "ws"+strings.TrimPrefix(hs.URL, "http"))
	})
}

func benchEcho(b *testing.B, url string) {
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{testProtocol}})
	if err != nil {
		b.Fatal(err)
	}
	defer ws.CloseNow()
	msg := make([]byte, 200)
	b.ReportAllocs()
	for b.Loop() {
		if err := ws.Write(ctx, websocket.MessageBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := ws.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
