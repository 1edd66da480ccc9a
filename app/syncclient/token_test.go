package syncclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// helloCatcher is a WebSocket endpoint that challenges, keeps the hello it
// gets, and closes.
func helloCatcher(t *testing.T) (url string, got <-chan *wire.Hello) {
	t.Helper()
	hellos := make(chan *wire.Hello, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Subprotocol}})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		b, _ := wire.Encode(&wire.Challenge{Version: wire.Version, Key: seal.NewExchange().Public()})
		if ws.Write(ctx, websocket.MessageBinary, b) != nil {
			return
		}
		_, b, err = ws.Read(ctx)
		if err != nil {
			return
		}
		if m, err := wire.Decode(b); err == nil {
			if h, ok := m.(*wire.Hello); ok {
				hellos <- h
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), hellos
}

// The organisation token lets its holder add pairs to the relay, so it
// goes out only in a hello that is about to create one (security review,
// finding 10).
func TestTokenGoesOnlyWithACreate(t *testing.T) {
	url, hellos := helloCatcher(t)
	ws, err := workspace.Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = url, "pwt_secret-token" }); err != nil {
		t.Fatal(err)
	}
	sync := func() *wire.Hello {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = New(ws, t.Logf).SyncOnce(ctx) // the catcher hangs up after the hello
		select {
		case h := <-hellos:
			return h
		case <-ctx.Done():
			t.Fatal("no hello reached the relay")
			return nil
		}
	}
	if h := sync(); h.Token != "" {
		t.Errorf("with nothing to create, the hello carried the token %q", h.Token)
	}
	pair, err := ws.NewPair("New", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	if h := sync(); h.Token != "pwt_secret-token" {
		t.Errorf("with pair %s to create, the hello carried %q, want the token", pair, h.Token)
	}
	if err := ws.SetMeta(pair, func(m *workspace.Meta) { m.Registered = true }); err != nil {
		t.Fatal(err)
	}
	if h := sync(); h.Token != "" {
		t.Errorf("once the pair is on the relay, the hello carried the token %q", h.Token)
	}
}
