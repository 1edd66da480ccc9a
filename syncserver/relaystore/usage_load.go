package relaystore

import (
	"encoding/hex"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

// loadUsage reads every document's accounting into memory. Documents kept
// by a relay from before accounting have none: their usage is counted from
// their records and snapshot once and stored, and their owner is unknown.
// Deletions a crash interrupted are finished.
func (s *Badger) loadUsage() error {
	s.acct = acct{docs: map[wire.DocID]*docAcct{}, owners: map[string]int64{}}
	docs := map[wire.DocID]*docAcct{}
	var deleting []wire.DocID
	err := s.db.View(func(txn *badger.Txn) error {
		return scanDocKeys(txn, kMeta, false, func(id wire.DocID, _ []byte) error {
			docs[id] = &docAcct{}
			return nil
		})
	})
	if err != nil {
		return err
	}
	var missing []wire.DocID
	err = s.db.View(func(txn *badger.Txn) error {
		if err := scanDocKeys(txn, kOwner, true, func(id wire.DocID, v []byte) error {
			if d := docs[id]; d != nil {
				d.owner = string(v)
			}
			return nil
		}); err != nil {
			return err
		}
		seen := map[wire.DocID]bool{}
		if err := scanDocKeys(txn, kUsage, true, func(id wire.DocID, v []byte) error {
			seen[id] = true
			if d := docs[id]; d != nil {
				return d.decodeUsage(v)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := scanDocKeys(txn, kPruned, true, func(id wire.DocID, v []byte) error {
			if d := docs[id]; d != nil {
				return d.decodePruned(v)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := scanDocKeys(txn, kDeleting, false, func(id wire.DocID, _ []byte) error {
			deleting = append(deleting, id)
			return nil
		}); err != nil {
			return err
		}
		for id := range docs {
			if !seen[id] {
				missing = append(missing, id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range deleting {
		if err := s.sweepDoc(id); err != nil {
			return err
		}
		s.log.Info("finished deleting a document an earlier run had begun to delete", "doc", shortID(id))
	}
	if len(missing) > 0 {
		for _, id := range missing {
			if err := s.countDoc(id, docs[id]); err != nil {
				return err
			}
		}
		s.log.Info("counted the storage of documents kept by an earlier version of the relay; the token that created them is unknown",
			"documents", len(missing))
	}
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	for id, d := range docs {
		s.acct.docs[id] = d
		s.acct.owners[d.owner] += d.bytes()
	}
	return nil
}

// countDoc counts a document's stored records and snapshot, and stores the
// result as its usage.
func (s *Badger) countDoc(id wire.DocID, d *docAcct) error {
	return s.db.Update(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = key(kRecord, id)
		it := txn.NewIterator(opts)
		for it.Rewind(); it.Valid(); it.Next() {
			d.added++
			if err := it.Item().Value(func(v []byte) error {
				d.addedBytes += uint64(recordBodySize(v))
				return nil
			}); err != nil {
				it.Close()
				return err
			}
		}
		it.Close()
		if item, err := txn.Get(key(kSnap, id)); err == nil {
			if err := item.Value(func(v []byte) error {
				snap, err := decodeSnap(v)
				d.snapBytes = uint64(len(snap.Body))
				return err
			}); err != nil {
				return err
			}
		}
		return txn.Set(key(kUsage, id), d.encodeUsage())
	})
}

// scanDocKeys calls f with the document ID of every key of a kind, and its
// value when withValues.
func scanDocKeys(txn *badger.Txn, kind byte, withValues bool, f func(wire.DocID, []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = withValues
	opts.Prefix = []byte{kind}
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		if len(k) != 1+len(wire.DocID{}) {
			continue
		}
		var v []byte
		if withValues {
			var err error
			if v, err = it.Item().ValueCopy(nil); err != nil {
				return err
			}
		}
		if err := f(wire.DocID(k[1:]), v); err != nil {
			return err
		}
	}
	return nil
}

func shortID(id wire.DocID) string { return hex.EncodeToString(id[:]) }
