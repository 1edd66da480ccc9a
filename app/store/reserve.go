package store

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Sending before the disk has a change (see DocState.Reserved): each synced
// edit reserves the next device sequences; a clean close gives them back;
// a start that finds them still reserved knows the last run crashed, and
// that the relay may hold changes of this device under those numbers that
// never reached this disk.

// recoverReserved runs on open: every document found with numbers still
// reserved gets them marked unsure and a new epoch, in one synced write.
func (s *Store) recoverReserved() error {
	fixed := map[string]DocState{}
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte("n/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			st, err := decodeState(v)
			if err != nil {
				return fmt.Errorf("state of %s: %v", it.Item().Key()[2:], err)
			}
			if st.Reserved > st.NextDSeq {
				if st.UnsureTo == 0 {
					st.UnsureFrom = st.NextDSeq
				} else {
					st.UnsureFrom = min(st.UnsureFrom, st.NextDSeq)
				}
				st.UnsureTo = max(st.UnsureTo, st.Reserved)
				st.Reserved = st.NextDSeq
				st.Epoch++
				fixed[string(it.Item().Key()[2:])] = st
			}
		}
		return nil
	})
	if err != nil || len(fixed) == 0 {
		return err
	}
	err = s.update(func(txn *badger.Txn) error {
		for doc, st := range fixed {
			if err := writeState(txn, doc, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.logf("the last run of %s ended without closing; %d pairs may have sent changes the disk did not keep, which come back from the relay", s.dir, len(fixed))
	}
	return err
}

// releaseReserved gives back, on a clean close, the numbers reserved by
// this run's edits. The caller holds mu.
func (s *Store) releaseReserved() error {
	s.limitsMu.Lock()
	docs := make([]string, 0, len(s.limits))
	for doc := range s.limits {
		docs = append(docs, doc)
	}
	s.limitsMu.Unlock()
	if len(docs) == 0 {
		return nil
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, doc := range docs {
			st, err := readState(txn, doc)
			if err != nil {
				continue // removed meanwhile
			}
			if st.Reserved > st.NextDSeq {
				st.Reserved = st.NextDSeq
				if err := writeState(txn, doc, st); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.syncDisk()
}

// RenumberUnsure is called when the relay holds another change of this
// device under an unsure number (see DocState.UnsureFrom): one sent before
// a crash and never kept here. The relay holds this device's changes up
// to last. Waiting changes numbered before the unsure ones are among them
// (numbered and sealed the same way before the crash), so they leave the
// outbox; the ones made since the crash are numbered on from last+1; and
// everything up to last stays unsure, so it is applied when it comes back.
func (s *Store) RenumberUnsure(doc string, last uint64) error {
	return s.update(func(txn *badger.Txn) error {
		s.tails.drop(doc) // under mu, before the outbox changes: see outtail.go
		st, err := readState(txn, doc)
		if err != nil {
			return err
		}
		if last < st.UnsureFrom || st.UnsureTo == 0 {
			return fmt.Errorf("store: %s: the relay holds changes up to %d, which is not past the unsure ones (%d to %d)", doc, last, st.UnsureFrom, st.UnsureTo)
		}
		var keys, since [][]byte
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefixOut(doc)})
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
			if seqOf(it.Item().Key()) >= st.UnsureFrom {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				since = append(since, v)
			}
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		next := last + 1
		for _, v := range since {
			if err := txn.Set(keyOut(doc, next), v); err != nil {
				return err
			}
			next++
		}
		st.Acked, st.NextDSeq = last, next
		st.UnsureTo = max(st.UnsureTo, last+1)
		st.Reserved = next // the renumbered outbox is on disk with this write
		if err := writeState(txn, doc, st); err != nil {
			return err
		}
		s.reserved(doc, next)
		return nil
	})
}
