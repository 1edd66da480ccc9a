package relaystore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the Shared store on a PostgreSQL database, which several
// relay instances use at once. Every write is one database transaction
// that locks the documents it touches, so instances never interleave
// inside a document; what an instance commits reaches the others as
// LISTEN/NOTIFY notices (Watch). The schema lives in pgschema/, embedded,
// and is created and migrated by OpenPostgres.
//
// The pool's size and timeouts come from the address
// (pool_max_conns=, connect_timeout=, as pgx reads them).
type Postgres struct {
	pool    *pgxpool.Pool
	conn    *pgx.ConnConfig // for Watch's own connections
	where   string          // the address without its password, for messages
	log     *slog.Logger
	ctx     context.Context // ends with Close
	cancel  context.CancelFunc
	mu      sync.Mutex // guards closed against Watch's start
	closed  bool
	watches sync.WaitGroup

	// opTimeout bounds each operation, so a database that stops
	// answering fails writes (which are then not acknowledged) rather
	// than holding the relay's writer forever.
	opTimeout time.Duration
	cache     pgCache // postgres_usage.go
}

var _ Shared = (*Postgres)(nil)

// notifyChannel carries every notice of every relay instance.
const notifyChannel = "pairwise_relay"

// IsPostgresURL tells a PostgreSQL address (postgres:// or postgresql://)
// from a folder name.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// redactUserinfo hides the password of a postgres:// address as text,
// so that one with characters a URL may not hold (a "/" or "@", say),
// which url.Parse refuses, is hidden too: the user information runs from
// the scheme to the last "@" before any "?".
func redactUserinfo(s string) string {
	_, rest, _ := strings.Cut(s, "://")
	start := len(s) - len(rest)
	end := len(s)
	if q := strings.IndexByte(s[start:], '?'); q >= 0 {
		end = start + q
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(s[start:start+at], ":")
	if !hasPassword {
		return s
	}
	return s[:start] + user + ":xxxxx" + s[start+at:]
}

var (
	passwordField = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)`)
	userPassword  = regexp.MustCompile(`^(postgres(?:ql)?://[^:@/]*:)[^@/]*@`)
)

// RedactURL returns a PostgreSQL address fit for logs and messages: its
// password, whether in the user part or a password= setting, is replaced
// by "xxxxx".
func RedactURL(s string) string {
	if IsPostgresURL(s) {
		s = redactUserinfo(s)
	}
	if u, err := url.Parse(s); err == nil && IsPostgresURL(s) {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	// Not an address net/url reads: take out what looks like a password.
	return passwordField.ReplaceAllString(userPassword.ReplaceAllString(s, "${1}xxxxx@"), "${1}xxxxx")
}

// OpenPostgres connects to the database at url, creates or migrates the
// relay's tables there, and returns the store. ctx bounds only the
// opening.
func OpenPostgres(ctx context.Context, url string, log *slog.Logger) (*Postgres, error) {
	where := RedactURL(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("the store address %s is not one PostgreSQL understands (%v); write it as postgres://USER:PASSWORD@HOST:5432/DATABASE", where, redactErr(err, url))
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "pairwise-relay"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot use the PostgreSQL database at %s: %v", where, redactErr(err, url))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach the PostgreSQL database at %s (%v); check that the server runs, that the address is right and that it lets this user in", where, redactErr(err, url))
	}
	p := &Postgres{pool: pool, conn: cfg.ConnConfig, where: where, log: log, opTimeout: 30 * time.Second}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.cache.init()
	if err := p.migrate(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// redactErr keeps a password that pgx quotes in an error out of messages.
func redactErr(err error, url string) string {
	msg := err.Error()
	if u, perr := pgconn.ParseConfig(url); perr == nil && u.Password != "" {
		msg = strings.ReplaceAll(msg, u.Password, "xxxxx")
	}
	return msg
}

// Ping checks that the database answers.
func (p *Postgres) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("the PostgreSQL database at %s does not answer: %w", p.where, err)
	}
	return nil
}

// Close implements Store. It ends every Watch and closes the connections.
func (p *Postgres) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.watches.Wait()
	p.pool.Close()
	return nil
}

// opCtx is the context of one operation.
func (p *Postgres) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, p.opTimeout)
}

// retries is how long an operation waits, after each attempt whose
// connection failed, before trying again; a database restarting takes a
// moment to take connections again.
var retries = []time.Duration{50 * time.Millisecond, 250 * time.Millisecond, time.Second}

// read runs a read-only query, trying again when the connection was lost:
// reading twice is harmless.
func (p *Postgres) read(f func(ctx context.Context, q *pgxpool.Pool) error) error {
	for attempt := 0; ; attempt++ {
		ctx, cancel := p.opCtx()
		err := f(ctx, p.pool)
		cancel()
		if err == nil || attempt == len(retries) || !connLost(err) || p.ctx.Err() != nil {
			return err
		}
		p.afterLoss(attempt)
	}
}

// tx runs f in one transaction and commits it. It tries again when the
// connection failed before COMMIT was sent (the server then rolls the
// transaction back) or COMMIT could not be sent at all; an error while
// committing is returned, since the transaction may have committed.
func (p *Postgres) tx(f func(ctx context.Context, tx pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		again, err := p.tryTx(f)
		if err == nil || !again || attempt == len(retries) || p.ctx.Err() != nil {
			return err
		}
		p.afterLoss(attempt)
	}
}

func (p *Postgres) tryTx(f func(ctx context.Context, tx pgx.Tx) error) (again bool, err error) {
	ctx, cancel := p.opCtx()
	defer cancel()
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return connLost(err), err
	}
	if err := f(ctx, tx); err != nil {
		lost := connLost(err) || tx.Conn().IsClosed()
		tx.Rollback(context.WithoutCancel(ctx))
		return lost, err
	}
	if err := tx.Commit(ctx); err != nil {
		return pgconn.SafeToRetry(err), err
	}
	return false, nil
}

// afterLoss drops the pool's idle connections, which died with the one
// that failed when the server restarted, and waits before the next try.
func (p *Postgres) afterLoss(attempt int) {
	p.pool.Reset()
	select {
	case <-time.After(retries[attempt]):
	case <-p.ctx.Done():
	}
}

// connLost tells an error of a connection that broke (or could not be
// made) from one the database or the store returned.
func connLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exceptions; 57P01-03: the server is
		// shutting down or starting up.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return pgconn.SafeToRetry(err) || errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed)
}

// fail gives an error of the database a sentence, mapping the conditions
// the relay acts on to the store's errors.
func (p *Postgres) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, known := range []error{ErrNotFound, ErrCorrupt, ErrConflict, ErrTokenExists, ErrDiskFull} {
		if errors.Is(err, known) {
			return err
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "53100": // disk_full
			return fmt.Errorf("%w: %s: the PostgreSQL server at %s has no disk space left; free some there. Nothing unacknowledged was kept: %v", ErrDiskFull, op, p.where, err)
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%w: %s: %v", ErrConflict, op, err)
		case "42P01", "42703": // undefined_table, undefined_column
			return fmt.Errorf("%w: %s: the relay's tables in %s are not as it made them (%v); restore the database from a backup", ErrCorrupt, op, p.where, err)
		}
	}
	if connLost(err) {
		return fmt.Errorf("%s: the PostgreSQL database at %s cannot be reached (%v); check that it runs, then try again (a change under way was kept whole or not at all)", op, p.where, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: the PostgreSQL database at %s did not answer within %v; check its load and its disk", op, p.where, p.opTimeout)
	}
	return fmt.Errorf("%s in the PostgreSQL database at %s: %w", op, p.where, err)
}
