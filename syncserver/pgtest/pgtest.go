// Package pgtest runs a throwaway PostgreSQL server for the tests of the
// relay's PostgreSQL store and of the relay on it. The server starts once
// per test process, in a temporary folder, listening only on a Unix socket
// there; each test gets a database of its own. As root it runs as an
// unprivileged user, since PostgreSQL refuses to run as root.
//
// StartServer gives a program that is not a test (the load tool) a server
// of its own in the same way.
//
// A test package that uses it stops the server from TestMain:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pgtest.Stop()
//		os.Exit(code)
//	}
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const superuser = "postgres"

var (
	mu       sync.Mutex
	srv      *server // nil until the first Start
	setupErr error
	made     int // databases created, for their names
)

// Start returns the address of a fresh, empty database for t, starting the
// server first if this process has none running (or Kill stopped it). The
// database is dropped when t ends.
func Start(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if srv == nil && setupErr == nil {
		srv, setupErr = setup()
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	if srv.cmd == nil {
		if err := srv.start(); err != nil {
			t.Fatal(err)
		}
	}
	made++
	name := fmt.Sprintf("test_%d", made)
	if err := srv.admin("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating the test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if srv == nil || srv.cmd == nil {
			return // stopped or killed: nothing to drop, or dropped with the folder
		}
		if err := srv.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("dropping the test database %s: %v", name, err)
		}
	})
	return srv.url(name)
}

// Restart stops the server with a fast shutdown (every connection is
// closed, committed work is kept) and starts it again, as `pg_ctl restart
// -m fast` does.
func Restart(t testing.TB) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if srv == nil || srv.cmd == nil {
		t.Fatal("pgtest.Restart: no server is running; call pgtest.Start first")
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
}

// Kill ends the server and all its processes with SIGKILL, as a crash of
// the database machine would; what was committed survives, since fsync is
// on. The server stays down until the next Start, which runs PostgreSQL's
// crash recovery and keeps the databases.
func Kill(t testing.TB) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if srv == nil || srv.cmd == nil {
		t.Fatal("pgtest.Kill: no server is running; call pgtest.Start first")
	}
	srv.kill()
}

// Stop shuts the server down and removes its folder. TestMain calls it
// after the tests; Start afterwards sets up a new server.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if srv == nil {
		return
	}
	if srv.cmd != nil {
		if err := srv.stop(); err != nil {
			srv.kill()
		}
	}
	os.RemoveAll(srv.dir)
	srv, setupErr = nil, nil
}

// StartServer starts a server of its own, apart from the one Start shares
// among a test process's tests, for a program that is not a test (the load
// tool's -store pgtest), and creates the empty database db on it. stop
// shuts the server down and removes its folder; on Linux the kernel also
// stops the server if the program dies without calling stop.
func StartServer(db string) (addr string, stop func(), err error) {
	s, err := setup()
	if err != nil {
		return "", nil, err
	}
	if err := s.start(); err != nil {
		os.RemoveAll(s.dir)
		return "", nil, err
	}
	stop = func() {
		if err := s.stop(); err != nil {
			s.kill()
		}
		os.RemoveAll(s.dir)
	}
	if err := s.admin("CREATE DATABASE " + pgx.Identifier{db}.Sanitize()); err != nil {
		stop()
		return "", nil, fmt.Errorf("pgtest: creating the database %s: %w", db, err)
	}
	return s.url(db), stop, nil
}

// server is one PostgreSQL cluster in a temporary folder.
type server struct {
	dir      string // owned by the server's user
	bin      string // folder holding initdb and postgres
	uid, gid int    // -1 when the server runs as this process's user
	cmd      *exec.Cmd
	exited   chan error
}

func (s *server) data() string   { return filepath.Join(s.dir, "data") }
func (s *server) socket() string { return s.dir }

func (s *server) url(db string) string {
	return "postgres://" + superuser + "@/" + db + "?host=" + url.QueryEscape(s.socket()) + "&sslmode=disable"
}

// setup finds PostgreSQL, makes the folder and runs initdb.
func setup() (*server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin, uid: -1, gid: -1}
	base := os.TempDir()
	if os.Geteuid() == 0 {
		// The folder must be reachable by the server's user, and the
		// socket's path short: /tmp is both.
		base = "/tmp"
		if s.uid, s.gid, err = serverUser(); err != nil {
			return nil, err
		}
	}
	sweepStale(base)
	if s.dir, err = os.MkdirTemp(base, "pgtest-"); err != nil {
		return nil, fmt.Errorf("pgtest: cannot make the server's folder: %w", err)
	}
	if s.uid >= 0 {
		if err := os.Chown(s.dir, s.uid, s.gid); err != nil {
			os.RemoveAll(s.dir)
			return nil, fmt.Errorf("pgtest: cannot give the server's folder to its user: %w", err)
		}
	}
	cmd := s.command("initdb", "-D", s.data(), "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("pgtest: initdb failed: %v\n%s", err, out)
	}
	return s, nil
}

// sweepStale removes the folders of servers whose test process died
// without Stop (a timeout, a kill) more than an hour ago: the kernel
// stopped those servers (procAttr), but their folders stay.
func sweepStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "pgtest-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < time.Hour {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			continue // a server is running there, or died without a word: leave it
		}
		os.RemoveAll(d)
	}
}

// findBin looks for initdb on PATH, then in Debian's versioned folders,
// newest first.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir = filepath.Dir(real)
		}
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(found, func(a, b string) int { return version(b) - version(a) })
	for _, p := range found {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", errors.New("PostgreSQL is not installed here (no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin): " +
		"run .ci/run, which installs it, or install it with `apt-get install postgresql`")
}

// version reads the major version out of /usr/lib/postgresql/N/bin/initdb.
func version(p string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
	return n
}

// serverUser picks who runs the server when the tests run as root.
func serverUser() (uid, gid int, err error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil && uid != 0 {
			return uid, gid, nil
		}
	}
	return -1, -1, errors.New("pgtest: running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as (it refuses to run as root); add one with `useradd --system postgres`")
}

func (s *server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = procAttr(s.uid, s.gid)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// start runs the server and waits until it takes connections. Durability
// settings stay at their defaults (fsync on): tests kill the server and
// count on what was committed.
func (s *server) start() error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	var cmd *exec.Cmd
	for try := 0; ; try++ {
		cmd = s.command("postgres", "-D", s.data(),
			"-c", "listen_addresses=",
			"-c", "unix_socket_directories="+s.socket(),
			"-c", "port=5432",
			"-c", "shared_buffers=16MB",
			"-c", "max_connections=200",
			"-c", "fsync=on",
			"-c", "max_wal_size=256MB",
			"-c", "log_min_messages=warning")
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("pgtest: cannot start postgres: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		err = s.waitReady(exited)
		if err == nil {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		killAll(cmd)
		<-exited
		// Processes of a killed server can hold its shared memory for a
		// moment after they die.
		if try == 3 {
			return err
		}
		time.Sleep(time.Duration(try+1) * 300 * time.Millisecond)
	}
}

func (s *server) waitReady(exited chan error) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.url("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case werr := <-exited:
			exited <- werr
			return fmt.Errorf("pgtest: postgres exited (%v); its log:\n%s", werr, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not take connections within a minute (%v); its log:\n%s", err, s.logTail())
		}
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return strings.TrimSpace(string(b))
}

// stop asks the server to shut down and waits for it.
func (s *server) stop() error {
	interrupt(s.cmd)
	select {
	case <-s.exited:
		s.cmd = nil
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("pgtest: postgres did not stop within 30s; its log:\n%s", s.logTail())
	}
}

// kill ends the server and its backends at once.
func (s *server) kill() {
	killAll(s.cmd)
	<-s.exited
	s.cmd = nil
}

// admin runs one statement as the superuser in the postgres database.
func (s *server) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
