package relaystore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"pairwise/shared/wire"
)

// Usage is counted in the database, in the same transactions as the
// writes: each document's row holds its records and bytes, and the owners
// table each token's total. The relay asks for a document's usage and
// its owner's total on every push, so Postgres keeps a copy of both for
// a short while (pgCache.ttl): refreshed from the database by every write
// of this instance that touches them, and read again once older than
// that. Writes by other instances therefore count against a quota here
// within a second; the totals themselves are always exact in the database.

// pgCache holds recently read usage.
type pgCache struct {
	mu     sync.Mutex
	ttl    time.Duration
	docs   map[wire.DocID]cachedUsage
	owners map[string]cachedBytes
	stats  Stats
	statAt time.Time // zero: to be read again
}

type cachedUsage struct {
	u  Usage
	at time.Time
}

type cachedBytes struct {
	n  int64
	at time.Time
}

// cacheLimit bounds the copies kept; past it, stale ones are dropped.
const cacheLimit = 1 << 16

func (c *pgCache) init() {
	c.ttl = time.Second
	c.docs = map[wire.DocID]cachedUsage{}
	c.owners = map[string]cachedBytes{}
}

func (c *pgCache) fresh(at time.Time) bool { return time.Since(at) < c.ttl }

// commit takes the totals a write's transaction read back.
func (c *pgCache) commit(r commitResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.docs)+len(r.usages) > cacheLimit {
		for id, u := range c.docs {
			if !c.fresh(u.at) {
				delete(c.docs, id)
			}
		}
		if len(c.docs)+len(r.usages) > cacheLimit {
			clear(c.docs)
		}
	}
	for _, u := range r.usages {
		c.docs[u.Doc] = cachedUsage{u, now}
	}
	if len(c.owners)+len(r.owners) > cacheLimit {
		clear(c.owners)
	}
	for o, n := range r.owners {
		c.owners[o] = cachedBytes{n, now}
	}
	c.statAt = time.Time{}
}

func (c *pgCache) forget(id wire.DocID, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.docs, id)
	delete(c.owners, owner)
	c.statAt = time.Time{}
}

// usageSQL is the usage of one document.
const usageSQL = "SELECT id, owner, records, bytes, last_write FROM docs WHERE id = $1"

// Usage implements Accounting.
func (p *Postgres) Usage(id wire.DocID) (Usage, bool) {
	p.cache.mu.Lock()
	c, ok := p.cache.docs[id]
	p.cache.mu.Unlock()
	if ok && p.cache.fresh(c.at) {
		return c.u, true
	}
	var us []Usage
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		rows, err := q.Query(ctx, usageSQL, id[:])
		if err != nil {
			return err
		}
		us, err = collectUsages(rows)
		return err
	})
	if err != nil {
		p.log.Error("cannot read a document's usage; its quota is not checked for now", "doc", shortID(id), "err", p.fail("reading usage", err))
		return Usage{}, false
	}
	if len(us) == 0 {
		return Usage{}, false
	}
	p.cache.mu.Lock()
	p.cache.docs[id] = cachedUsage{us[0], time.Now()}
	p.cache.mu.Unlock()
	return us[0], true
}

// OwnerBytes implements Accounting.
func (p *Postgres) OwnerBytes(owner string) int64 {
	p.cache.mu.Lock()
	c, ok := p.cache.owners[owner]
	p.cache.mu.Unlock()
	if ok && p.cache.fresh(c.at) {
		return c.n
	}
	var n int64
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		return q.QueryRow(ctx, "SELECT coalesce(sum(bytes), 0)::bigint FROM owners WHERE owner = $1", owner).Scan(&n)
	})
	if err != nil {
		p.log.Error("cannot read what a token's documents hold; its quota is not checked for now", "err", p.fail("reading usage", err))
		return 0
	}
	p.cache.mu.Lock()
	p.cache.owners[owner] = cachedBytes{n, time.Now()}
	p.cache.mu.Unlock()
	return n
}

// Usages implements Accounting, largest documents first.
func (p *Postgres) Usages() []Usage {
	var out []Usage
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		rows, err := q.Query(ctx, "SELECT id, owner, records, bytes, last_write FROM docs ORDER BY bytes DESC, id")
		if err != nil {
			return err
		}
		out, err = collectUsages(rows)
		return err
	})
	if err != nil {
		p.log.Error("cannot list the documents' usage", "err", p.fail("listing usage", err))
		return nil
	}
	return out
}

// Stats implements Store. The totals are summed over the documents' rows,
// at most once a second.
func (p *Postgres) Stats() Stats {
	p.cache.mu.Lock()
	s, at := p.cache.stats, p.cache.statAt
	p.cache.mu.Unlock()
	if !at.IsZero() && p.cache.fresh(at) {
		return s
	}
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		return q.QueryRow(ctx, "SELECT count(*), coalesce(sum(records), 0)::bigint, coalesce(sum(stored), 0)::bigint FROM docs").
			Scan(&s.Docs, &s.Records, &s.Bytes)
	})
	if err != nil {
		p.log.Warn("cannot count the store's totals for metrics", "err", p.fail("counting", err))
		return s
	}
	p.cache.mu.Lock()
	p.cache.stats, p.cache.statAt = s, time.Now()
	p.cache.mu.Unlock()
	return s
}

func collectUsages(rows pgx.Rows) ([]Usage, error) {
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		u, err := scanUsage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// scanUsage reads id, owner, records, bytes, last_write.
func scanUsage(row pgx.Row) (Usage, error) {
	var u Usage
	var id []byte
	var last pgtype.Timestamptz
	if err := row.Scan(&id, &u.Owner, &u.Records, &u.Bytes, &last); err != nil {
		return u, err
	}
	if err := fixed(u.Doc[:], id, "document ID"); err != nil {
		return u, err
	}
	if u.Records < 0 || u.Bytes < 0 {
		return u, fmt.Errorf("%w: document %x holds %d records of %d bytes", ErrCorrupt, id, u.Records, u.Bytes)
	}
	if last.Valid {
		u.LastWrite = last.Time
	}
	return u, nil
}

func scanUsages(br pgx.BatchResults) ([]Usage, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return collectUsages(rows)
}

func scanOwnerTotals(br pgx.BatchResults) (map[string]int64, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var o string
		var n int64
		if err := rows.Scan(&o, &n); err != nil {
			return nil, err
		}
		out[o] = n
	}
	return out, rows.Err()
}

// accountSQL moves one document's counters by ($2 records, $3 bytes, $4
// stored) and its owner's total by $3, touching its last write when $5,
// and returns its usage and its owner's new total.
const accountSQL = `WITH u AS (
	UPDATE docs SET records = records + $2, bytes = bytes + $3, stored = stored + $4,
		last_write = CASE WHEN $5 THEN now() ELSE last_write END
	WHERE id = $1 RETURNING id, owner, records, bytes, last_write
), o AS (
	INSERT INTO owners (owner, slot, bytes) SELECT owner, get_byte(id, 15) % 16, $3 FROM u
	ON CONFLICT (owner, slot) DO UPDATE SET bytes = owners.bytes + EXCLUDED.bytes
)
SELECT id, owner, records, bytes, last_write,
	(SELECT coalesce(sum(bytes), 0)::bigint FROM owners WHERE owner = u.owner) + $3 FROM u`

// account runs accountSQL in tx; the document is locked already.
func account(ctx context.Context, tx pgx.Tx, id wire.DocID, records, bytes, stored int64, touch bool) (commitResult, error) {
	var u Usage
	var rawID []byte
	var last pgtype.Timestamptz
	var total int64
	err := tx.QueryRow(ctx, accountSQL, id[:], records, bytes, stored, touch).
		Scan(&rawID, &u.Owner, &u.Records, &u.Bytes, &last, &total)
	if errors.Is(err, pgx.ErrNoRows) {
		return commitResult{}, ErrNotFound
	}
	if err != nil {
		return commitResult{}, err
	}
	u.Doc = id
	if last.Valid {
		u.LastWrite = last.Time
	}
	if u.Records < 0 || u.Bytes < 0 {
		return commitResult{}, fmt.Errorf("%w: document %x would hold %d records of %d bytes", ErrCorrupt, id[:], u.Records, u.Bytes)
	}
	return commitResult{usages: []Usage{u}, owners: map[string]int64{u.Owner: total}}, nil
}
