package relaystore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"pairwise/shared/wire"
)

// Snapshots, pruning, certificates and deletion. Each is one transaction
// that first locks the document's row, so that what it checks (the head,
// the snapshot's sequence) cannot move before it commits, whichever
// instance races it.

// lockDoc locks a document's row for a change and returns its head and
// snapshot sequence.
func lockDoc(ctx context.Context, tx pgx.Tx, id wire.DocID) (head, snap uint64, err error) {
	var h, s int64
	err = tx.QueryRow(ctx, "SELECT head, snap_seq FROM docs WHERE id = $1 FOR NO KEY UPDATE", id[:]).Scan(&h, &s)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, ErrNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	if head, err = unsigned(h, "head"); err != nil {
		return 0, 0, err
	}
	snap, err = unsigned(s, "snapshot sequence")
	return head, snap, err
}

func notify(ctx context.Context, tx pgx.Tx, kind string, id wire.DocID) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, kind+":"+hex.EncodeToString(id[:]))
	return err
}

// snapSizes returns the body and the stored size (body and signature) of
// a document's snapshot or candidate, and its seq; zeros when none.
func snapSizes(ctx context.Context, tx pgx.Tx, id wire.DocID, candidate bool) (seq uint64, body, stored int64, err error) {
	var s int64
	err = tx.QueryRow(ctx, "SELECT seq, length(body), length(body) + length(sig) FROM snapshots WHERE doc = $1 AND candidate = $2",
		id[:], candidate).Scan(&s, &body, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, 0, nil
	}
	if err != nil {
		return 0, 0, 0, err
	}
	seq, err = unsigned(s, "snapshot sequence")
	return seq, body, stored, err
}

const putSnapSQL = `INSERT INTO snapshots (doc, candidate, seq, device, sig, body) VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (doc, candidate) DO UPDATE SET seq = EXCLUDED.seq, device = EXCLUDED.device, sig = EXCLUDED.sig, body = EXCLUDED.body`

// PutSnapshot implements Store. A snapshot replaces the current one only
// if it covers more and no more than the head; otherwise (another
// instance stored one meanwhile) it returns ErrConflict and keeps the
// current one.
func (p *Postgres) PutSnapshot(id wire.DocID, snap Snap) error {
	seq, ok := signed(snap.Seq)
	if !ok || seq == 0 {
		return fmt.Errorf("relaystore: a snapshot at sequence %d cannot be stored", snap.Seq)
	}
	var res commitResult
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		head, cur, err := lockDoc(ctx, tx, id)
		if err != nil {
			return err
		}
		if snap.Seq <= cur || snap.Seq > head {
			return fmt.Errorf("%w: the document's snapshot covers %d records already and its head is %d, so one at %d does not replace it", ErrConflict, cur, head, snap.Seq)
		}
		_, oldBody, oldStored, err := snapSizes(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, putSnapSQL, id[:], false, seq, snap.Device[:], nonNil(snap.Sig), nonNil(snap.Body)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE docs SET snap_seq = $2 WHERE id = $1", id[:], seq); err != nil {
			return err
		}
		body := int64(len(snap.Body))
		if res, err = account(ctx, tx, id, 0, body-oldBody, body+int64(len(snap.Sig))-oldStored, true); err != nil {
			return err
		}
		return notify(ctx, tx, "s", id)
	})
	if err != nil {
		return p.fail("storing a snapshot", err)
	}
	p.cache.commit(res)
	return nil
}

// PutCandidate implements Store. The waiting snapshot is replaced only by
// one that covers more than it and the current snapshot, and no more than
// the head; otherwise ErrConflict.
func (p *Postgres) PutCandidate(id wire.DocID, snap Snap) error {
	seq, ok := signed(snap.Seq)
	if !ok || seq == 0 {
		return fmt.Errorf("relaystore: a snapshot at sequence %d cannot be stored", snap.Seq)
	}
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		head, cur, err := lockDoc(ctx, tx, id)
		if err != nil {
			return err
		}
		waiting, _, _, err := snapSizes(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if snap.Seq <= cur || snap.Seq > head || (waiting > cur && snap.Seq <= waiting) {
			return fmt.Errorf("%w: the document's snapshot covers %d records, one waiting %d and its head is %d, so one at %d does not replace them",
				ErrConflict, cur, waiting, head, snap.Seq)
		}
		if _, err := tx.Exec(ctx, putSnapSQL, id[:], true, seq, snap.Device[:], nonNil(snap.Sig), nonNil(snap.Body)); err != nil {
			return err
		}
		return notify(ctx, tx, "s", id)
	})
	return p.fail("storing a snapshot that waits for confirmation", err)
}

// Promote implements Store: ErrNotFound when no snapshot waits, and
// ErrConflict when the current one covers as much (another instance
// stored it meanwhile).
func (p *Postgres) Promote(id wire.DocID, want uint64) error {
	var res commitResult
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, cur, err := lockDoc(ctx, tx, id)
		if err != nil {
			return err
		}
		seq, body, stored, err := snapSizes(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if seq == 0 {
			return fmt.Errorf("%w: no snapshot of this document waits for confirmation", ErrNotFound)
		}
		if seq != want {
			return fmt.Errorf("%w: the snapshot waiting is at %d, not %d", ErrConflict, seq, want)
		}
		if seq <= cur {
			return fmt.Errorf("%w: the document's snapshot covers %d records already, the waiting one %d", ErrConflict, cur, seq)
		}
		_, oldBody, oldStored, err := snapSizes(ctx, tx, id, false)
		if err != nil {
			return err
		}
		q := &pgx.Batch{}
		q.Queue(`INSERT INTO snapshots (doc, candidate, seq, device, sig, body)
			SELECT doc, false, seq, device, sig, body FROM snapshots WHERE doc = $1 AND candidate
			ON CONFLICT (doc, candidate) DO UPDATE SET seq = EXCLUDED.seq, device = EXCLUDED.device, sig = EXCLUDED.sig, body = EXCLUDED.body`, id[:])
		q.Queue("DELETE FROM snapshots WHERE doc = $1 AND candidate", id[:])
		q.Queue("DELETE FROM confirmations WHERE doc = $1", id[:])
		q.Queue("UPDATE docs SET snap_seq = $2 WHERE id = $1", id[:], int64(seq))
		if err := tx.SendBatch(ctx, q).Close(); err != nil {
			return err
		}
		if res, err = account(ctx, tx, id, 0, body-oldBody, stored-oldStored, true); err != nil {
			return err
		}
		return notify(ctx, tx, "s", id)
	})
	if err != nil {
		return p.fail("promoting a confirmed snapshot", err)
	}
	p.cache.commit(res)
	return nil
}

// pruneSQL drops up to 1000 records at or below $2 and counts them.
const pruneSQL = `WITH gone AS (
	DELETE FROM records WHERE doc = $1 AND seq IN (
		SELECT seq FROM records WHERE doc = $1 AND seq <= $2 ORDER BY seq LIMIT 1000)
	RETURNING length(body) AS b, length(body) + length(sig) AS s
) SELECT count(*), coalesce(sum(b), 0)::bigint, coalesce(sum(s), 0)::bigint FROM gone`

// Prune implements Store, in transactions of up to 1000 records that each
// read the snapshot's sequence under the document's lock, so a record a
// snapshot does not cover is never dropped whatever races it.
func (p *Postgres) Prune(id wire.DocID) error {
	for {
		var n int64
		var res commitResult
		err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
			_, cur, err := lockDoc(ctx, tx, id)
			if err != nil {
				return err
			}
			var b, s int64
			if err := tx.QueryRow(ctx, pruneSQL, id[:], int64(cur)).Scan(&n, &b, &s); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			res, err = account(ctx, tx, id, -n, -b, -s, false)
			return err
		})
		if errors.Is(err, ErrNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return p.fail("dropping records a snapshot covers", err)
		}
		if n == 0 {
			return nil
		}
		p.cache.commit(res)
	}
}

// AddCerts implements Store; ErrNotFound for a document not on the relay.
func (p *Postgres) AddCerts(id wire.DocID, certs [][]byte) error {
	if len(certs) == 0 {
		return nil
	}
	hashes := make([][]byte, len(certs))
	for i, c := range certs {
		h := sha256.Sum256(c)
		hashes[i] = h[:]
	}
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		var one int
		// A share lock: certificates may be added beside a commit, but
		// not to a document being deleted.
		err := tx.QueryRow(ctx, "SELECT 1 FROM docs WHERE id = $1 FOR KEY SHARE", id[:]).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO certs (doc, hash, cert) SELECT $1, h, c FROM unnest($2::bytea[], $3::bytea[]) AS x(h, c)
			ON CONFLICT DO NOTHING`, id[:], hashes, certs)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return notify(ctx, tx, "c", id)
	})
	return p.fail("storing writer certificates", err)
}

// DeleteDoc implements Accounting, in one transaction.
func (p *Postgres) DeleteDoc(id wire.DocID) error {
	var owner string
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		var bytes int64
		err := tx.QueryRow(ctx, "SELECT owner, bytes FROM docs WHERE id = $1 FOR UPDATE", id[:]).Scan(&owner, &bytes)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		q := &pgx.Batch{}
		for _, table := range []string{"records", "devices", "snapshots", "certs", "confirmations"} {
			q.Queue("DELETE FROM "+table+" WHERE doc = $1", id[:])
		}
		q.Queue(`INSERT INTO owners (owner, slot, bytes) VALUES ($2, get_byte($1, 15) % 16, $3)
			ON CONFLICT (owner, slot) DO UPDATE SET bytes = owners.bytes + EXCLUDED.bytes`, id[:], owner, -bytes)
		q.Queue("DELETE FROM docs WHERE id = $1", id[:])
		q.Queue("SELECT pg_notify($1, $2)", notifyChannel, "d:"+hex.EncodeToString(id[:]))
		return tx.SendBatch(ctx, q).Close()
	})
	if err != nil {
		return p.fail("deleting a document", err)
	}
	p.cache.forget(id, owner)
	return nil
}
