package syncclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"

	"pairwise/syncserver/pgtest"
	"pairwise/syncserver/relaytest"
)

var relayBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pairwise-relay-bin-")
	if err != nil {
		panic(err)
	}
	relayBin = filepath.Join(dir, "pairwise-relay")
	build := exec.Command("go", "build", "-o", relayBin, "pairwise/syncserver")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build relay:", err)
		os.Exit(1)
	}
	code := m.Run()
	pgtest.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// relay is a real relay process on loopback.
type relay struct {
	t   *testing.T
	dir string // its data folder, unless it serves a shared store
	// store is the PostgreSQL database it serves with other instances;
	// "" for a relay on its own data folder.
	store string
	addr  string
	url   string
	// metricsAddr serves /metrics, apart from the WebSocket address.
	metricsAddr string
	token       string
	cmd         *exec.Cmd
	waitc       chan struct{} // closed when cmd has exited
	log         *relaytest.Log
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{t: t, dir: t.TempDir()}
	out, err := exec.Command(relayBin, "token", "new", "--data", r.dir, "--name", "test").Output()
	if err != nil {
		t.Fatalf("token new: %v", err)
	}
	r.token = strings.TrimSpace(string(out))
	r.start()
	t.Cleanup(r.kill)
	return r
}

// startSharedRelays starts n relay instances serving the PostgreSQL
// database at store, with one token made for all of them in the database.
func startSharedRelays(t *testing.T, store string, n int) []*relay {
	t.Helper()
	out, err := exec.Command(relayBin, "token", "new", "--store", store, "--name", "test").Output()
	if err != nil {
		t.Fatalf("token new --store: %v", err)
	}
	var rs []*relay
	for range n {
		r := &relay{t: t, store: store, token: strings.TrimSpace(string(out))}
		r.start()
		t.Cleanup(r.kill)
		rs = append(rs, r)
	}
	return rs
}

// start runs the relay. The first start gives it port 0 and reads the port
// it bound from its log, so no port is picked here and handed over, which
// another process could take in between. A restart must come back on the
// same address, as the replicas know it; the relay binds it again itself.
// The metrics listener gets a fresh port 0 each time.
func (r *relay) start() {
	r.t.Helper()
	if r.log == nil {
		r.log = &relaytest.Log{} // kept across restarts, to read after a failure
	}
	fmt.Fprintf(r.log, "--- relay starts\n")
	from := len(r.log.String())
	listen := r.addr
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	deadline := time.Now().Add(30 * time.Second) // bounds a relay that never starts
	for {
		where := []string{"--data", r.dir}
		if r.store != "" {
			where = []string{"--store", r.store}
		}
		r.cmd = exec.Command(relayBin, append([]string{"serve", "--listen", listen, "--metrics-listen", "127.0.0.1:0", "--log-format", "json"}, where...)...)
		r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
		if err := r.cmd.Start(); err != nil {
			r.t.Fatal(err)
		}
		exited := make(chan struct{})
		cmd := r.cmd
		go func() { cmd.Wait(); close(exited) }()
		r.waitc = exited
		for {
			log := r.log.String()[from:]
			urls := relaytest.Served(log)
			if ws, metrics := urls["relay serving"], urls["metrics serving"]; ws != "" && metrics != "" {
				r.addr, r.url, r.metricsAddr = ws, "ws://"+ws, metrics
				return
			}
			select {
			case <-exited:
			default:
				if time.Now().After(deadline) {
					r.t.Fatalf("relay did not say where it serves:\n%s", r.log)
				}
				time.Sleep(5 * time.Millisecond)
				continue
			}
			break
		}
		// The relay exited. On a restart, the port it had was free for a
		// moment and the kernel may have lent it to a client's outgoing
		// connection (a client reconnecting to that very port can even
		// be connected to itself); that ends when the connection does.
		if !strings.Contains(r.log.String()[from:], "address already in use") || listen == "127.0.0.1:0" || time.Now().After(deadline) {
			r.t.Fatalf("relay exited on start:\n%s", r.log)
		}
		fmt.Fprintf(r.log, "--- relay starts again: its address was busy\n")
		from = len(r.log.String())
		time.Sleep(10 * time.Millisecond)
	}
}

// kill stops the relay with SIGKILL, as a crash or power cut would.
func (r *relay) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.waitc
		r.cmd = nil
	}
}

// stop shuts the relay down with SIGTERM, as an admin's restart would: it
// closes connections politely and finishes the writes it received.
func (r *relay) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		// A client dial cut short can leave a connection in this process's
		// HTTP connection pool that never sent a request; http.Server's
		// Shutdown waits five seconds for such a connection before it calls
		// it idle. Closing the pool first keeps restarts quick.
		http.DefaultClient.CloseIdleConnections()
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		<-r.waitc
		r.cmd = nil
	}
}

// metric reads one unlabelled metric from the relay's /metrics page.
func (r *relay) metric(name string) float64 {
	r.t.Helper()
	resp, err := http.Get("http://" + r.metricsAddr + "/metrics")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				r.t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	r.t.Fatalf("the relay has no metric %s", name)
	return 0
}

// running reports whether the relay process is up.
func (r *relay) running() bool { return r.cmd != nil }

// replica is one person's data folder.
type replica struct {
	t    *testing.T
	ws   *workspace.Workspace
	opts Options // of the engine each sync makes
}

func newReplica(t *testing.T, r *relay) *replica {
	t.Helper()
	ws, err := workspace.Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = r.url, r.token }); err != nil {
		t.Fatal(err)
	}
	return &replica{t: t, ws: ws}
}

func (x *replica) sync() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return x.engine().SyncOnce(ctx)
}

// engine returns an engine for x with its options.
func (x *replica) engine() *Engine {
	o := x.opts
	if o.Logf == nil {
		o.Logf = x.t.Logf
	}
	return NewWith(x.ws, o)
}

func (x *replica) mustSync() {
	x.t.Helper()
	if err := x.sync(); err != nil {
		x.t.Fatalf("sync: %v", err)
	}
}

func (x *replica) edit(pair string, build workspace.Editor) string {
	x.t.Helper()
	id, err := x.ws.Edit(pair, build)
	if err != nil {
		x.t.Fatalf("edit: %v", err)
	}
	return id
}

func (x *replica) addGoal(pair, title string) string {
	x.t.Helper()
	return x.edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, time.Now())
	})
}

func (x *replica) json(pair string) string {
	x.t.Helper()
	var b bytes.Buffer
	if err := x.ws.Export(pair, "json", &b); err != nil {
		x.t.Fatal(err)
	}
	return b.String()
}

// pairOf creates a pair on a and has b join it through the relay.
func pairOf(t *testing.T, a, b *replica, readOnly bool) string {
	t.Helper()
	pair, err := a.ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	a.mustSync()
	code, err := a.ws.Invite(pair, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := b.ws.Join(code, "Ben", mentoring.Mentee)
	if err != nil {
		t.Fatal(err)
	}
	if joined != pair {
		t.Fatalf("join: got pair %s, want %s", joined, pair)
	}
	b.mustSync()
	return pair
}
