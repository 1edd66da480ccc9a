package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func count(t *testing.T, url string) int {
	t.Helper()
	var n int
	if err := connect(t, url).QueryRow(context.Background(), "SELECT count(*) FROM kept").Scan(&n); err != nil {
		t.Fatalf("counting rows: %v", err)
	}
	return n
}

// Each test gets its own empty database on the one server, and what was
// committed survives a fast restart and a SIGKILL of every server process.
func TestDatabasesAreSeparateAndSurviveRestartAndKill(t *testing.T) {
	a, b := Start(t), Start(t)
	if a == b {
		t.Fatalf("two calls gave the same database %s", a)
	}
	ctx := context.Background()
	if _, err := connect(t, a).Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	if _, err := connect(t, b).Exec(ctx, "SELECT 1 FROM kept"); err == nil {
		t.Fatal("a table made in one test's database shows in another's")
	}

	Restart(t)
	if n := count(t, a); n != 2 {
		t.Fatalf("after a restart: %d rows, want 2", n)
	}
	if _, err := connect(t, a).Exec(ctx, "INSERT INTO kept VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	// A transaction open on a connection when the server is killed does
	// not commit: every server process dies at once.
	open := connect(t, a)
	tx, err := open.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO kept VALUES (4)"); err != nil {
		t.Fatal(err)
	}
	Kill(t)
	if err := tx.Commit(ctx); err == nil {
		t.Fatal("a transaction committed after Kill")
	}
	if _, err := pgx.Connect(ctx, a); err == nil {
		t.Fatal("the server still takes connections after Kill")
	}
	Start(t) // starts it again
	if n := count(t, a); n != 3 {
		t.Fatalf("after a kill: %d rows, want 3", n)
	}
	var fsync string
	if err := connect(t, a).QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil || fsync != "on" {
		t.Fatalf("fsync is %q (%v), want on: the durability tests rely on it", fsync, err)
	}
}

// A server of its own for a program that is not a test: its database takes
// connections, and stop shuts the server down and removes its folder.
func TestStartServer(t *testing.T) {
	addr, stop, err := StartServer("load")
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	ctx := context.Background()
	var db string
	if err := connect(t, addr).QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil || db != "load" {
		t.Fatalf("connected to database %q (%v), want load", db, err)
	}
	cfg, err := pgx.ParseConfig(addr)
	if err != nil {
		t.Fatal(err)
	}
	dir := cfg.Host // the server's folder holds its socket
	stop()
	stopped = true
	if _, err := pgx.Connect(ctx, addr); err == nil {
		t.Fatal("the server still takes connections after stop")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the server's folder %s is still there after stop (%v)", dir, err)
	}
}
