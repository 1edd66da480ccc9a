package relaystore

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"pairwise/shared/wire"
)

// Rows are read as hostile as anything else: a value of the wrong size or
// sign is ErrCorrupt, never a panic or a wrong answer.

func fixed(dst, src []byte, what string) error {
	if len(src) != len(dst) {
		return fmt.Errorf("%w: %s of %d bytes, want %d", ErrCorrupt, what, len(src), len(dst))
	}
	copy(dst, src)
	return nil
}

func unsigned(v int64, what string) (uint64, error) {
	if v < 0 {
		return 0, fmt.Errorf("%w: %s is %d", ErrCorrupt, what, v)
	}
	return uint64(v), nil
}

// signed converts a sequence number for SQL; false when it cannot be
// stored (none can be that large).
func signed(u uint64) (int64, bool) {
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// optSig is a stored signature as the store returns it: nil for none.
func optSig(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Doc implements Store.
func (p *Postgres) Doc(id wire.DocID) (Doc, error) {
	var d Doc
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		var wh, rh, root []byte
		var head, snap int64
		err := q.QueryRow(ctx, "SELECT write_hash, read_hash, root, head, snap_seq FROM docs WHERE id = $1", id[:]).
			Scan(&wh, &rh, &root, &head, &snap)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return decodeDoc(&d, wh, rh, root, head, snap)
	})
	return d, p.fail("reading a document", err)
}

func decodeDoc(d *Doc, wh, rh, root []byte, head, snap int64) error {
	var err error
	if err = fixed(d.WriteHash[:], wh, "write hash"); err != nil {
		return err
	}
	if err = fixed(d.ReadHash[:], rh, "read hash"); err != nil {
		return err
	}
	if err = fixed(d.Root[:], root, "root"); err != nil {
		return err
	}
	if d.Head, err = unsigned(head, "head"); err != nil {
		return err
	}
	if d.SnapSeq, err = unsigned(snap, "snapshot sequence"); err != nil {
		return err
	}
	if d.SnapSeq > d.Head {
		return fmt.Errorf("%w: snapshot at %d beyond the head %d", ErrCorrupt, d.SnapSeq, d.Head)
	}
	return nil
}

// DeviceSeq implements Store.
func (p *Postgres) DeviceSeq(id wire.DocID, dev wire.DeviceID) (uint64, error) {
	var v uint64
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		var n int64
		err := q.QueryRow(ctx, "SELECT dseq FROM devices WHERE doc = $1 AND device = $2", id[:], dev[:]).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err = unsigned(n, "device sequence")
		return err
	})
	return v, p.fail("reading a device's sequence", err)
}

// SeqOf implements Store.
func (p *Postgres) SeqOf(id wire.DocID, dev wire.DeviceID, dseq uint64) (uint64, error) {
	ds, ok := signed(dseq)
	if !ok {
		return 0, nil
	}
	var v uint64
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		var n int64
		err := q.QueryRow(ctx, "SELECT seq FROM records WHERE doc = $1 AND device = $2 AND dseq = $3", id[:], dev[:], ds).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // never stored, or pruned
		}
		if err != nil {
			return err
		}
		v, err = unsigned(n, "sequence")
		return err
	})
	return v, p.fail("finding a record", err)
}

// readSQL returns up to $3 records after $2, stopping after the one that
// takes the bodies to $4 bytes (so always one, if there is one).
const readSQL = `
SELECT seq, device, dseq, sig, body FROM (
    SELECT seq, device, dseq, sig, body,
           sum(length(body)) OVER w - length(body) AS before, row_number() OVER w AS n
    FROM records WHERE doc = $1 AND seq > $2
    WINDOW w AS (ORDER BY seq) ORDER BY seq LIMIT $3
) r WHERE n = 1 OR before < $4 ORDER BY seq`

// Read implements Store.
func (p *Postgres) Read(id wire.DocID, from uint64, max, maxBytes int) ([]wire.Record, error) {
	f, ok := signed(from)
	if !ok || max <= 0 {
		return nil, nil
	}
	var out []wire.Record
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		out = out[:0]
		rows, err := q.Query(ctx, readSQL, id[:], f, max, int64(maxBytes))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq, dseq int64
			var dev, sig, body []byte
			if err := rows.Scan(&seq, &dev, &dseq, &sig, &body); err != nil {
				return err
			}
			rec, err := decodeRow(seq, dev, dseq, sig, body)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, p.fail("reading records", err)
	}
	return out, nil
}

func decodeRow(seq int64, dev []byte, dseq int64, sig, body []byte) (wire.Record, error) {
	var rec wire.Record
	var err error
	if rec.Seq, err = unsigned(seq, "record sequence"); err != nil {
		return rec, err
	}
	if rec.DSeq, err = unsigned(dseq, "device sequence"); err != nil {
		return rec, err
	}
	if err = fixed(rec.Device[:], dev, "device ID"); err != nil {
		return rec, err
	}
	if body == nil {
		body = []byte{}
	}
	rec.Sig, rec.Body = optSig(sig), body
	return rec, nil
}

// Record implements Store.
func (p *Postgres) Record(id wire.DocID, seq uint64) (wire.Record, error) {
	s, ok := signed(seq)
	if !ok {
		return wire.Record{}, ErrNotFound
	}
	var rec wire.Record
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		var dseq int64
		var dev, sig, body []byte
		err := q.QueryRow(ctx, "SELECT device, dseq, sig, body FROM records WHERE doc = $1 AND seq = $2", id[:], s).
			Scan(&dev, &dseq, &sig, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		rec, err = decodeRow(s, dev, dseq, sig, body)
		return err
	})
	return rec, p.fail("reading a record", err)
}

// Authors implements Store: the devices that signed records in (from, to],
// in the order of their first record there. Records from before version 2
// carry no signature and no author.
func (p *Postgres) Authors(id wire.DocID, from, to uint64) ([]wire.DeviceID, error) {
	f, ok := signed(from)
	if !ok {
		return nil, nil
	}
	t, ok := signed(to)
	if !ok {
		t = math.MaxInt64
	}
	var out []wire.DeviceID
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		out = out[:0]
		rows, err := q.Query(ctx, `SELECT device FROM records
			WHERE doc = $1 AND seq > $2 AND seq <= $3 AND length(sig) > 0
			GROUP BY device ORDER BY min(seq)`, id[:], f, t)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			var dev wire.DeviceID
			if err := rows.Scan(&b); err != nil {
				return err
			}
			if err := fixed(dev[:], b, "device ID"); err != nil {
				return err
			}
			out = append(out, dev)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, p.fail("listing a document's writers", err)
	}
	return out, nil
}

// Certs implements Store.
func (p *Postgres) Certs(id wire.DocID) ([][]byte, error) {
	var out [][]byte
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		rows, err := q.Query(ctx, "SELECT cert FROM certs WHERE doc = $1 ORDER BY hash", id[:])
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[[]byte])
		return err
	})
	if err != nil {
		return nil, p.fail("reading writer certificates", err)
	}
	return out, nil
}

// Snapshot implements Store.
func (p *Postgres) Snapshot(id wire.DocID) (Snap, error) { return p.snap(id, false) }

// Candidate implements Store.
func (p *Postgres) Candidate(id wire.DocID) (Snap, error) { return p.snap(id, true) }

func (p *Postgres) snap(id wire.DocID, candidate bool) (Snap, error) {
	var s Snap
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		var seq int64
		var dev, sig, body []byte
		err := q.QueryRow(ctx, "SELECT seq, device, sig, body FROM snapshots WHERE doc = $1 AND candidate = $2", id[:], candidate).
			Scan(&seq, &dev, &sig, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		s, err = decodeSnapRow(seq, dev, sig, body)
		return err
	})
	return s, p.fail("reading a snapshot", err)
}

func decodeSnapRow(seq int64, dev, sig, body []byte) (Snap, error) {
	var s Snap
	var err error
	if s.Seq, err = unsigned(seq, "snapshot sequence"); err != nil {
		return Snap{}, err
	}
	if s.Seq == 0 {
		return Snap{}, fmt.Errorf("%w: a snapshot at sequence 0", ErrCorrupt)
	}
	if err = fixed(s.Device[:], dev, "snapshot device"); err != nil {
		return Snap{}, err
	}
	if body == nil {
		body = []byte{}
	}
	s.Sig, s.Body = optSig(sig), body
	return s, nil
}
