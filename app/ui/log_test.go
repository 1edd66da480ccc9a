package ui

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"pairwise/app/applog"
	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
	"pairwise/syncserver/relay"
	"pairwise/syncserver/relaystore"
)

// startRelay runs a real relay in this process and returns its address
// and an organisation token for it.
func startRelay(t *testing.T) (url, token string) {
	t.Helper()
	dir := t.TempDir()
	token, err := relay.NewToken(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := relaystore.OpenBadger(filepath.Join(dir, "store"), log)
	if err != nil {
		t.Fatal(err)
	}
	srv := relay.New(st, relay.OpenTokens(dir), log, relay.DefaultLimits())
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { h.Close(); srv.Shutdown(context.Background()) })
	return "ws" + strings.TrimPrefix(h.URL, "http"), token
}

// openTestCore opens a data folder as the window does: workspace, engine
// and log wired together.
func openTestCore(t *testing.T) *core {
	t.Helper()
	c, err := openCore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.log == nil {
		t.Fatalf("no log: %v", c.logErr)
	}
	t.Cleanup(c.close)
	return c
}

// logText is everything in the log's folder, rotated files included.
func logText(t *testing.T, c *core) string {
	t.Helper()
	var all strings.Builder
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(c.log.Path()), "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	return all.String()
}

// TestLogHoldsNoSecrets drives syncs, and a refusal the engine logs and the
// window shows, with known secrets: the token, the invite code, the pair's
// keys, its title and a message. The logs hold none of them, and do hold
// what went wrong, by the pair's ID.
func TestLogHoldsNoSecrets(t *testing.T) {
	url, token := startRelay(t)
	ana, ben := openTestCore(t), openTestCore(t)
	const title, message = "Secret title 7f3c", "secret message 91d2"
	if err := ana.ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = url, token }); err != nil {
		t.Fatal(err)
	}
	pair, err := ana.ws.NewPair(title, "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, message, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if err := ana.eng.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, err := ana.ws.Invite(pair, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ben.ws.Join(code, "Ben", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	if err := ben.eng.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Ben's copy claims write access with the read secret: the relay
	// refuses its change, and the running engine logs the refusal.
	if err := ben.ws.SetMeta(pair, func(m *workspace.Meta) { m.Write = m.Read }); err != nil {
		t.Fatal(err)
	}
	if _, err := ben.ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddWin(p, me, "a win", "", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan syncclient.Status, 1)
	var once sync.Once
	ben.eng.OnStatus(func(s syncclient.Status) {
		if s.State == syncclient.Refused {
			once.Do(func() { stopped <- s })
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ben.eng.Run(ctx); close(done) }()
	st := <-stopped
	cancel()
	<-done
	if !strings.Contains(st.Detail, title) {
		t.Fatalf("the refusal says %q, want it to name the pair by its title for Ben", st.Detail)
	}
	// The window shows it, and logs that it did.
	u := create(test.NewTempApp(t), test.NewTempApp(t).NewWindow("Pairwise"), ben.ws, nil, ben.log)
	u.showError(st.Err)

	meta, err := ana.ws.Meta(pair)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"token": token, "invite code": code, "title": title, "message": message}
	for name, b := range map[string][]byte{"key": meta.Key, "write secret": meta.Write, "read secret": meta.Read} {
		secrets[name+" (hex)"] = hex.EncodeToString(b)
		secrets[name+" (base64)"] = base64.StdEncoding.EncodeToString(b)
		secrets[name+" (raw base64)"] = base64.RawURLEncoding.EncodeToString(b)
	}
	for who, c := range map[string]*core{"Ana": ana, "Ben": ben} {
		text := logText(t, c)
		for name, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s's log holds the %s:\n%s", who, name, text)
			}
		}
	}
	text := logText(t, ben)
	for _, want := range []string{"sync: pair " + pair + ": relay refused (read_only)", "ui: showed an error: relay refused (read_only) for " + pair} {
		if !strings.Contains(text, want) {
			t.Errorf("Ben's log lacks %q:\n%s", want, text)
		}
	}
}

// TestSettingsCopiesTheRecentLog: Settings shows where the log is, and its
// button puts the recent lines on the clipboard for a bug report.
func TestSettingsCopiesTheRecentLog(t *testing.T) {
	u, _ := setup(t)
	log, err := applog.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	for i := range recentLines + 50 {
		log.Logf("line %d", i)
	}
	u.log, u.logf = log, log.Logf
	u.settingsDialog()
	dlg := topOverlay(t, u)
	if text := strings.Join(labels(dlg), " "); !strings.Contains(text, log.Path()) {
		t.Errorf("Settings says %q, want the log's path", text)
	}
	test.Tap(button(t, dlg, "Copy recent lines"))
	got := u.app.Clipboard().Content()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != recentLines || !strings.HasSuffix(lines[0], " line 50") || !strings.HasSuffix(lines[len(lines)-1], " line 249") {
		t.Errorf("the clipboard holds %d lines, %q … %q; want the last %d", len(lines), lines[0], lines[len(lines)-1], recentLines)
	}
	if !strings.Contains(u.saved.Text, "Copied the last 200 lines") {
		t.Errorf("the status says %q", u.saved.Text)
	}
}
