package main

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pairwise/syncserver/pgtest"
)

// storePgtest is the -store value that starts a throwaway PostgreSQL
// server for the run.
const storePgtest = "pgtest"

// checkStore checks -store's value: empty, pgtest, or a PostgreSQL URL.
func checkStore(s string) error {
	if s == "" || s == storePgtest {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("-store: give a PostgreSQL URL such as postgres://relay@db.example.org/pairwise, or %q for a throwaway server, or leave it out for Badger", storePgtest)
	}
	return nil
}

// openStore makes the database the relays will share ready: a throwaway
// server for "pgtest", or the user's database, which must take a
// connection. It returns the database's URL ("" for Badger) and how to
// stop what it started.
func openStore(ctx context.Context, store string, rep *report) (string, func(), error) {
	switch store {
	case "":
		return "", func() {}, nil
	case storePgtest:
		addr, stop, err := pgtest.StartServer("pairwise_load")
		if err != nil {
			return "", nil, fmt.Errorf("-store pgtest: %w", err)
		}
		rep.note("store: a throwaway PostgreSQL server started for this run (as pgtest does: Unix socket, fsync on, shared_buffers 16MB), on any CPU; removed afterwards")
		return addr, stop, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, store)
	if err != nil {
		return "", nil, fmt.Errorf("-store: cannot connect to %s: %w (check the URL, and that the database exists and takes this user)", redacted(store), err)
	}
	conn.Close(ctx)
	rep.note("store: PostgreSQL at %s; the pairs and tokens this run adds are revoked and deleted at the end (token revoke --purge)", redacted(store))
	return store, func() {}, nil
}

// storeKind names the relays' store for -json.
func storeKind(store string) string {
	if store == "" {
		return "badger"
	}
	return "postgres"
}

// redacted is a database URL without its password, for the output.
func redacted(store string) string {
	u, err := url.Parse(store)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}

// dbSize is the size of the store's database on disk, tables, indexes and
// their TOAST included.
func dbSize(ctx context.Context, store string) (int64, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, store)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(cctx, "SELECT pg_database_size(current_database())").Scan(&n)
	return n, err
}

// purgeTokens revokes the tokens the run issued in the user's database and
// deletes the pairs they created, so that runs do not pile up there. A
// throwaway server goes whole.
func (e *env) purgeTokens(store string) {
	if e.store == "" || store == storePgtest {
		return
	}
	for _, name := range e.tokens {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		out, err := exec.CommandContext(ctx, e.bin, "token", "revoke", "--store", e.store, "--purge", name).CombinedOutput()
		cancel()
		if err != nil {
			fmt.Fprintf(e.out, "  could not remove the run's pairs from the database: %v: %s\n  run: pairwise-relay token revoke --store URL --purge %s\n",
				err, strings.TrimSpace(string(out)), name)
		}
	}
	e.tokens = nil
}
