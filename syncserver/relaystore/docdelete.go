package relaystore

import (
	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

// DeleteDoc implements Accounting. The document disappears in one
// transaction (its meta and accounting go, and a marker says a deletion is
// under way); its log, index and snapshot are then removed in small
// transactions. A crash between the two leaves the marker, and the next
// open finishes the deletion.
func (s *Badger) DeleteDoc(id wire.DocID) error {
	s.maint.Lock()
	defer s.maint.Unlock()
	err := s.update(func(txn *badger.Txn) error {
		if _, err := getMeta(txn, id); err != nil {
			return err
		}
		for _, kind := range []byte{kMeta, kOwner, kUsage, kPruned} {
			if err := txn.Delete(key(kind, id)); err != nil {
				return err
			}
		}
		return txn.Set(key(kDeleting, id), nil)
	})
	if err != nil {
		return s.writeErr(err)
	}
	s.acct.remove(id)
	s.docs.Add(-1)
	return s.sweepDoc(id)
}

// sweepDoc removes what is left of a document marked as being deleted, then
// the marker.
func (s *Badger) sweepDoc(id wire.DocID) error {
	for _, kind := range []byte{kRecord, kIndex, kDevice, kSnap, kCand, kCert} {
		for {
			var n int
			var recs, freed int64
			err := s.update(func(txn *badger.Txn) error {
				opts := badger.DefaultIteratorOptions
				opts.PrefetchValues = false
				opts.Prefix = key(kind, id)
				it := txn.NewIterator(opts)
				var dels [][]byte
				for it.Rewind(); it.Valid() && len(dels) < 1000; it.Next() {
					item := it.Item()
					dels = append(dels, item.KeyCopy(nil))
					switch kind {
					case kRecord:
						recs++
						freed += max(item.ValueSize()-recHead, 0)
					case kSnap:
						freed += max(item.ValueSize()-snapHead, 0)
					}
				}
				it.Close()
				n = len(dels)
				for _, k := range dels {
					if err := txn.Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return s.writeErr(err)
			}
			s.records.Add(-recs)
			s.bytes.Add(-freed)
			if n == 0 {
				break
			}
		}
	}
	return s.writeErr(s.update(func(txn *badger.Txn) error {
		return txn.Delete(key(kDeleting, id))
	}))
}
