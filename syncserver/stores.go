package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"pairwise/syncserver/relay"
	"pairwise/syncserver/relaystore"
)

// place is where a relay keeps its data: a folder with the embedded
// Badger store and the token file (the default), or a PostgreSQL database
// that several relay instances share (--store postgres://...).
type place struct {
	data  string
	store string // "" for the folder's own store
}

// addPlaceFlags declares --data and --store on fs.
func addPlaceFlags(fs *flag.FlagSet, dataUsage string) *place {
	p := &place{}
	fs.StringVar(&p.data, "data", defaultData(), dataUsage)
	fs.StringVar(&p.store, "store", "", "a PostgreSQL database that several relay instances share, as postgres://USER@HOST/DB or postgres:///DB?host=/run/postgresql; "+
		"the tokens live there too and --data is not needed. Empty: the embedded store in --data")
	return p
}

// shared reports whether the relay's data is in a shared database.
func (p *place) shared() bool { return p.store != "" }

// check says what is missing or wrong in the flags.
func (p *place) check() error {
	if p.store == "" {
		return needData(p.data)
	}
	if !relaystore.IsPostgresURL(p.store) {
		return errors.New("--store takes a PostgreSQL URL such as postgres://relay@db.example.org/pairwise; leave it out to keep the data in --data")
	}
	return nil
}

// redacted is the store's address without its password, for logs.
func (p *place) redacted() string {
	if p.store == "" {
		return filepath.Join(p.data, "store")
	}
	return relaystore.RedactURL(p.store)
}

// open opens the relay's store.
func (p *place) open(log *slog.Logger) (relaystore.Store, error) {
	if p.store == "" {
		return relaystore.OpenBadger(filepath.Join(p.data, "store"), log)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return relaystore.OpenPostgres(ctx, p.store, log)
}

// openShared opens the shared database, for the admin commands.
func (p *place) openShared(stderr io.Writer) (*relaystore.Postgres, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return relaystore.OpenPostgres(ctx, p.store, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// tokens runs f with the token admin of the relay's data.
func (p *place) tokens(stderr io.Writer, f func(relay.TokenAdmin) error) error {
	if !p.shared() {
		return f(relay.FileTokenAdmin(p.data))
	}
	st, err := p.openShared(stderr)
	if err != nil {
		return err
	}
	err = f(relay.StoreTokenAdmin(st))
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}
