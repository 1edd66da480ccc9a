package relaystore

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"pairwise/shared/wire"
)

// Commit implements Store as one transaction, sent to the database in one
// round trip (then COMMIT): it locks the documents the batch writes (in
// ID order, so two instances never wait on each other in a circle),
// checks that their heads are where Batch.Heads says and that no record
// takes a sequence number or a (device, device sequence) already taken,
// then writes records, heads and usage, and queues a head notice per
// document, which PostgreSQL delivers when the transaction commits. Any
// check that fails rolls everything back and returns ErrConflict.
func (p *Postgres) Commit(b Batch) error {
	if len(b.Entries) == 0 && len(b.Creates) == 0 {
		return nil
	}
	plan, err := planCommit(b)
	if err != nil {
		return err
	}
	var res commitResult
	err = p.tx(func(ctx context.Context, tx pgx.Tx) error {
		res, err = plan.run(ctx, tx)
		return err
	})
	if err != nil {
		return p.fail("storing changes", err)
	}
	p.cache.commit(res)
	return nil
}

// commitPlan is a batch laid out as the columns of its statements.
type commitPlan struct {
	locked  [][]byte // documents written that the batch does not create, in order
	expect  map[string]uint64
	creates struct {
		id, wh, rh, root [][]byte
		owner            []string
	}
	recs struct {
		doc, dev, sig, body [][]byte
		seq, dseq           []int64
	}
	devs struct {
		doc, dev [][]byte
		lo, hi   []int64
	}
	upd struct {
		id                 [][]byte
		head, n, b, stored []int64
	}
	notices []string
}

type commitResult struct {
	usages []Usage
	owners map[string]int64
}

// planCommit checks a batch's shape (the relay's own doing, never a race)
// and lays it out.
func planCommit(b Batch) (*commitPlan, error) {
	type run struct {
		first, last      uint64
		n, bytes, stored int64
	}
	runs := map[wire.DocID]*run{}
	type devKey struct {
		doc wire.DocID
		dev wire.DeviceID
	}
	devs := map[devKey][2]int64{}
	var devOrder []devKey
	p := &commitPlan{expect: map[string]uint64{}}
	for _, e := range b.Entries {
		seq, ok1 := signed(e.Rec.Seq)
		dseq, ok2 := signed(e.Rec.DSeq)
		if !ok1 || !ok2 || seq == 0 || dseq == 0 {
			return nil, fmt.Errorf("relaystore: record %d (device sequence %d) of document %x cannot be stored: sequence numbers run from 1 to 2⁶³-1", e.Rec.Seq, e.Rec.DSeq, e.Doc[:])
		}
		r := runs[e.Doc]
		if r == nil {
			r = &run{first: e.Rec.Seq}
			runs[e.Doc] = r
		} else if e.Rec.Seq != r.last+1 {
			return nil, fmt.Errorf("relaystore: the batch's records of document %x skip from %d to %d; a batch continues each log densely", e.Doc[:], r.last, e.Rec.Seq)
		}
		r.last = e.Rec.Seq
		r.n++
		r.bytes += int64(len(e.Rec.Body))
		r.stored += int64(len(e.Rec.Body) + len(e.Rec.Sig))
		p.recs.doc = append(p.recs.doc, e.Doc[:])
		p.recs.seq = append(p.recs.seq, seq)
		p.recs.dev = append(p.recs.dev, e.Rec.Device[:])
		p.recs.dseq = append(p.recs.dseq, dseq)
		p.recs.sig = append(p.recs.sig, nonNil(e.Rec.Sig))
		p.recs.body = append(p.recs.body, nonNil(e.Rec.Body))
		k := devKey{e.Doc, e.Rec.Device}
		lh, seen := devs[k]
		if !seen {
			lh = [2]int64{dseq, dseq}
			devOrder = append(devOrder, k)
		}
		devs[k] = [2]int64{min(lh[0], dseq), max(lh[1], dseq)}
	}
	for _, k := range devOrder {
		p.devs.doc = append(p.devs.doc, k.doc[:])
		p.devs.dev = append(p.devs.dev, k.dev[:])
		p.devs.lo = append(p.devs.lo, devs[k][0])
		p.devs.hi = append(p.devs.hi, devs[k][1])
	}

	var touched []wire.DocID
	for id := range b.Creates {
		touched = append(touched, id)
	}
	for id, r := range runs {
		_, created := b.Creates[id]
		want := r.first - 1
		if h, ok := b.Heads[id]; ok && !created {
			want = h
		}
		if (created && r.first != 1) || r.first != want+1 {
			return nil, fmt.Errorf("relaystore: the batch's records of document %x start at %d, not after its head %d", id[:], r.first, want)
		}
		if !created {
			touched = append(touched, id)
			p.expect[string(id[:])] = want
		}
	}
	slices.SortFunc(touched, func(a, b wire.DocID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range touched {
		if d, ok := b.Creates[id]; ok {
			p.creates.id = append(p.creates.id, id[:])
			p.creates.wh = append(p.creates.wh, d.WriteHash[:])
			p.creates.rh = append(p.creates.rh, d.ReadHash[:])
			p.creates.root = append(p.creates.root, d.Root[:])
			p.creates.owner = append(p.creates.owner, b.Owners[id])
		} else {
			p.locked = append(p.locked, id[:])
		}
		var head uint64
		r := runs[id]
		if r == nil {
			r = &run{}
		} else {
			head = r.last
		}
		p.upd.id = append(p.upd.id, id[:])
		p.upd.head = append(p.upd.head, int64(head))
		p.upd.n = append(p.upd.n, r.n)
		p.upd.b = append(p.upd.b, r.bytes)
		p.upd.stored = append(p.upd.stored, r.stored)
		p.notices = append(p.notices, "h:"+hex.EncodeToString(id[:])+":"+strconv.FormatUint(head, 10))
	}
	return p, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const (
	lockDocsSQL = `SELECT id, head FROM docs WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`
	createSQL   = `INSERT INTO docs (id, write_hash, read_hash, root, owner)
		SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[], $5::text[])
		ON CONFLICT (id) DO NOTHING`
	insertRecordsSQL = `INSERT INTO records (doc, seq, device, dseq, sig, body)
		SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[], $4::bigint[], $5::bytea[], $6::bytea[])
		ON CONFLICT DO NOTHING`
	// A device sequence at or below the one stored is a push stored
	// already, perhaps pruned since: another instance took it.
	devicesTakenSQL = `SELECT count(*) FROM devices d
		JOIN unnest($1::bytea[], $2::bytea[], $3::bigint[]) AS b(doc, device, lo)
		ON d.doc = b.doc AND d.device = b.device WHERE d.dseq >= b.lo`
	devicesSQL = `INSERT INTO devices (doc, device, dseq)
		SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bigint[])
		ON CONFLICT (doc, device) DO UPDATE SET dseq = greatest(devices.dseq, EXCLUDED.dseq)`
	// The heads and usage, and each owner's total by the bytes added,
	// in (owner, slot) order.
	updateDocsSQL = `WITH u AS (
		UPDATE docs d SET head = v.head, records = d.records + v.n, bytes = d.bytes + v.b,
			stored = d.stored + v.s, last_write = CASE WHEN v.n > 0 THEN now() ELSE d.last_write END
		FROM unnest($1::bytea[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(id, head, n, b, s)
		WHERE d.id = v.id
		RETURNING d.id, d.owner, d.records, d.bytes, d.last_write, v.b AS grew
	), o AS (
		INSERT INTO owners (owner, slot, bytes)
		SELECT owner, get_byte(id, 15) % 16, sum(grew)::bigint FROM u GROUP BY 1, 2 ORDER BY 1, 2
		ON CONFLICT (owner, slot) DO UPDATE SET bytes = owners.bytes + EXCLUDED.bytes
	)
	SELECT id, owner, records, bytes, last_write FROM u`
	ownerTotalsSQL = `SELECT owner, sum(bytes)::bigint FROM owners
		WHERE owner IN (SELECT owner FROM docs WHERE id = ANY($1)) GROUP BY owner`
	notifySQL = `SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n`
)

// run sends the batch's statements in one pipeline and checks their
// results in order.
func (p *commitPlan) run(ctx context.Context, tx pgx.Tx) (res commitResult, err error) {
	q := &pgx.Batch{}
	if len(p.locked) > 0 {
		q.Queue(lockDocsSQL, p.locked)
	}
	if len(p.creates.id) > 0 {
		q.Queue(createSQL, p.creates.id, p.creates.wh, p.creates.rh, p.creates.root, p.creates.owner)
	}
	if len(p.recs.doc) > 0 {
		q.Queue(insertRecordsSQL, p.recs.doc, p.recs.seq, p.recs.dev, p.recs.dseq, p.recs.sig, p.recs.body)
		q.Queue(devicesTakenSQL, p.devs.doc, p.devs.dev, p.devs.lo)
		q.Queue(devicesSQL, p.devs.doc, p.devs.dev, p.devs.hi)
	}
	q.Queue(updateDocsSQL, p.upd.id, p.upd.head, p.upd.n, p.upd.b, p.upd.stored)
	q.Queue(ownerTotalsSQL, p.upd.id)
	q.Queue(notifySQL, notifyChannel, p.notices)
	br := tx.SendBatch(ctx, q)
	defer func() {
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}()

	if len(p.locked) > 0 {
		if err := p.checkHeads(br); err != nil {
			return res, err
		}
	}
	if len(p.creates.id) > 0 {
		tag, err := br.Exec()
		if err != nil {
			return res, err
		}
		if tag.RowsAffected() != int64(len(p.creates.id)) {
			return res, fmt.Errorf("%w: a document this batch creates was created meanwhile", ErrConflict)
		}
	}
	if len(p.recs.doc) > 0 {
		tag, err := br.Exec()
		if err != nil {
			return res, err
		}
		if tag.RowsAffected() != int64(len(p.recs.doc)) {
			return res, fmt.Errorf("%w: a record's sequence number or device sequence was taken meanwhile", ErrConflict)
		}
		var taken int64
		if err := br.QueryRow().Scan(&taken); err != nil {
			return res, err
		}
		if taken > 0 {
			return res, fmt.Errorf("%w: a device's change was stored meanwhile", ErrConflict)
		}
		if _, err := br.Exec(); err != nil {
			return res, err
		}
	}
	if res.usages, err = scanUsages(br); err != nil {
		return res, err
	}
	if len(res.usages) != len(p.upd.id) {
		return res, fmt.Errorf("%w: a document of this batch was deleted meanwhile", ErrNotFound)
	}
	if res.owners, err = scanOwnerTotals(br); err != nil {
		return res, err
	}
	_, err = br.Exec()
	return res, err
}

// checkHeads reads the locked documents' heads: each must be where the
// batch's records were numbered from.
func (p *commitPlan) checkHeads(br pgx.BatchResults) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var id []byte
		var head int64
		if err := rows.Scan(&id, &head); err != nil {
			return err
		}
		want, ok := p.expect[string(id)]
		if !ok {
			return fmt.Errorf("%w: the database returned a document it was not asked for", ErrCorrupt)
		}
		found++
		if head < 0 || uint64(head) != want {
			return fmt.Errorf("%w: document %x is at %d, not %d", ErrConflict, id, head, want)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if found != len(p.locked) {
		return fmt.Errorf("%w: a document this batch writes is not on the relay (deleted meanwhile?)", ErrNotFound)
	}
	return nil
}
