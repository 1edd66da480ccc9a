package relaystore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"pairwise/shared/wire"
)

// Confirm implements Shared: the confirmation is kept with the waiting
// snapshot, and the answer lists every device that confirmed it, through
// any instance. ErrConflict when the snapshot waiting is not seq (it was
// promoted or replaced meanwhile).
func (p *Postgres) Confirm(id wire.DocID, seq uint64, dev wire.DeviceID) ([]wire.DeviceID, error) {
	s, ok := signed(seq)
	if !ok {
		return nil, fmt.Errorf("%w: no snapshot waits at sequence %d", ErrConflict, seq)
	}
	var out []wire.DeviceID
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		if _, _, err := lockDoc(ctx, tx, id); err != nil {
			return err
		}
		waiting, _, _, err := snapSizes(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if waiting != seq {
			return fmt.Errorf("%w: the snapshot waiting is at %d, not %d", ErrConflict, waiting, seq)
		}
		q := &pgx.Batch{}
		q.Queue("DELETE FROM confirmations WHERE doc = $1 AND seq <> $2", id[:], s)
		q.Queue("INSERT INTO confirmations (doc, seq, device) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", id[:], s, dev[:])
		if err := tx.SendBatch(ctx, q).Close(); err != nil {
			return err
		}
		out, err = confirmedBy(ctx, tx, id, s)
		return err
	})
	return out, p.fail("keeping a snapshot's confirmation", err)
}

// Confirmed implements Shared.
func (p *Postgres) Confirmed(id wire.DocID, seq uint64) ([]wire.DeviceID, error) {
	s, ok := signed(seq)
	if !ok {
		return nil, nil
	}
	var out []wire.DeviceID
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) (err error) {
		out, err = confirmedBy(ctx, q, id, s)
		return err
	})
	return out, p.fail("reading a snapshot's confirmations", err)
}

// querier is what both a transaction and the pool offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func confirmedBy(ctx context.Context, q querier, id wire.DocID, seq int64) ([]wire.DeviceID, error) {
	rows, err := q.Query(ctx, "SELECT device FROM confirmations WHERE doc = $1 AND seq = $2", id[:], seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.DeviceID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var dev wire.DeviceID
		if err := fixed(dev[:], b, "confirming device"); err != nil {
			return nil, err
		}
		out = append(out, dev)
	}
	return out, rows.Err()
}
