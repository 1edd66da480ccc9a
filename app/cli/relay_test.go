package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"pairwise/syncserver/relay"
	"pairwise/syncserver/relaystore"
)

// startRelay serves a real relay, over a real Badger store in a temporary
// folder, on loopback WebSockets in this process, and returns its address
// and an organisation token for it.
func startRelay(t *testing.T) (url, token string) {
	t.Helper()
	dir := t.TempDir()
	token, err := relay.NewToken(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := relaystore.OpenBadger(dir+"/store", log)
	if err != nil {
		t.Fatal(err)
	}
	srv := relay.New(st, relay.OpenTokens(dir), log, relay.DefaultLimits())
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		h.Close()
		srv.Shutdown(context.Background())
	})
	return "ws" + strings.TrimPrefix(h.URL, "http"), token
}

// member is one person's data folder, as on their own computer.
type member struct {
	t   *testing.T
	dir string
}

func (m member) ok(args ...string) string { m.t.Helper(); return ok(m.t, m.dir, args...) }

func (m member) run(args ...string) (stdout, stderr string, code int) {
	m.t.Helper()
	return pw(m.t, m.dir, args...)
}

// lisbonNewYork makes a pair of a mentor in Lisbon and a mentee in New
// York, each in their own data folder, synced through a real relay. Each
// gives contact hours on weekdays: Ana 09:00-18:00, Ben 08:00-17:00, in
// their own zones.
func lisbonNewYork(t *testing.T) (ana, ben member, pair string) {
	t.Helper()
	url, token := startRelay(t)
	ana, ben = member{t, t.TempDir()}, member{t, t.TempDir()}
	pair = ana.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor", "--tz", "Europe/Lisbon")
	ana.ok("agreement", "set", pair, "--my-hours", "mon-fri 09:00-18:00")
	ana.ok("relay", "set", url, "--token", token)
	ana.ok("sync", "--once")
	code := ana.ok("pair", "invite", pair)
	ben.ok("relay", "set", url)
	ben.ok("pair", "join", code, "--me", "Ben", "--role", "mentee")
	ben.ok("sync", "--once")
	ben.ok("agreement", "set", pair, "--tz", "America/New_York", "--my-hours", "mon-fri 08:00-17:00")
	syncAll(ben, ana)
	return ana, ben, pair
}

// syncAll syncs each member's folder once, in turn.
func syncAll(ms ...member) {
	for _, m := range ms {
		m.t.Helper()
		m.ok("sync", "--once")
	}
}
