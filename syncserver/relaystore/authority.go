package relaystore

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

// Candidate implements Store.
func (s *Badger) Candidate(id wire.DocID) (Snap, error) {
	return s.getSnap(key(kCand, id))
}

// PutCandidate implements Store.
func (s *Badger) PutCandidate(id wire.DocID, snap Snap) error {
	if err := s.roomCheck(); err != nil {
		return err
	}
	err := s.update(func(txn *badger.Txn) error {
		if _, err := getMeta(txn, id); err != nil {
			return err
		}
		return txn.Set(key(kCand, id), encodeSnap(snap))
	})
	return s.writeErr(err)
}

// Promote implements Store.
func (s *Badger) Promote(id wire.DocID, seq uint64) error {
	if err := s.roomCheck(); err != nil { // it writes the snapshot again
		return err
	}
	var grew int64
	var staged map[wire.DocID]docAcct
	err := s.update(func(txn *badger.Txn) error {
		d, err := getMeta(txn, id)
		if err != nil {
			return err
		}
		item, err := txn.Get(key(kCand, id))
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		cand, err := decodeSnap(v)
		if err != nil {
			return err
		}
		if cand.Seq != seq {
			return fmt.Errorf("%w: the snapshot waiting is at %d, not %d", ErrConflict, cand.Seq, seq)
		}
		if old, err := txn.Get(key(kSnap, id)); err == nil {
			grew -= old.ValueSize()
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		grew += int64(len(v))
		d.SnapSeq = cand.Seq
		if err := txn.Set(key(kSnap, id), v); err != nil {
			return err
		}
		if err := txn.Delete(key(kCand, id)); err != nil {
			return err
		}
		if staged, err = s.stageSnapshot(txn, id, len(cand.Body), time.Now()); err != nil {
			return err
		}
		return txn.Set(key(kMeta, id), encodeMeta(d))
	})
	if err := s.writeErr(err); err != nil {
		return err
	}
	s.applyUsage(staged)
	s.bytes.Add(grew)
	return nil
}

// Authors implements Store.
func (s *Badger) Authors(id wire.DocID, from, to uint64) ([]wire.DeviceID, error) {
	seen := map[wire.DeviceID]bool{}
	var out []wire.DeviceID
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = key(kRecord, id)
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(key(kRecord, id, u64(from+1))); it.Valid(); it.Next() {
			item := it.Item()
			rec, err := func() (rec wire.Record, err error) {
				err = item.Value(func(v []byte) error {
					if len(v) < recHead {
						return ErrCorrupt
					}
					copy(rec.Device[:], v[:16])
					if v[24] == 0 {
						rec.Seq = 1 // unsigned, from before version 2
					}
					return nil
				})
				return rec, err
			}()
			if err != nil {
				return err
			}
			k := item.Key()
			if len(k) == 25 && binary.BigEndian.Uint64(k[17:]) > to {
				break
			}
			if rec.Seq == 0 && !seen[rec.Device] {
				seen[rec.Device] = true
				out = append(out, rec.Device)
			}
		}
		return nil
	})
	return out, err
}

// Record implements Store.
func (s *Badger) Record(id wire.DocID, seq uint64) (rec wire.Record, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		k := key(kRecord, id, u64(seq))
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			rec, err = decodeRecord(k, v)
			return err
		})
	})
	return rec, err
}

// Certs implements Store.
func (s *Badger) Certs(id wire.DocID) ([][]byte, error) {
	var out [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = key(kCert, id)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// AddCerts implements Store.
func (s *Badger) AddCerts(id wire.DocID, certs [][]byte) error {
	if err := s.roomCheck(); err != nil {
		return err
	}
	err := s.update(func(txn *badger.Txn) error {
		for _, c := range certs {
			h := sha256.Sum256(c)
			if err := txn.Set(key(kCert, id, h[:16]), c); err != nil {
				return err
			}
		}
		return nil
	})
	return s.writeErr(err)
}
