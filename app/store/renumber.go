package store

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Renumber moves the changes waiting in a document's outbox so that the
// first of them gets device sequence from, and the rest follow densely;
// acknowledged changes are forgotten below it. It is used when the device
// gets a new identity (its first start with signed devices), whose
// numbering on the relay starts afresh. The move is one transaction.
func (s *Store) Renumber(doc string, from uint64) error {
	if from == 0 {
		return fmt.Errorf("store: renumber %s from 0: device sequences start at 1", doc)
	}
	return s.update(func(txn *badger.Txn) error {
		s.tails.drop(doc) // under mu, before the outbox changes: see outtail.go
		st, err := readState(txn, doc)
		if err != nil {
			return err
		}
		var keys [][]byte
		var vals [][]byte
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefixOut(doc)})
		for it.Rewind(); it.Valid(); it.Next() {
			if seqOf(it.Item().Key()) <= st.Acked {
				keys = append(keys, it.Item().KeyCopy(nil)) // acknowledged, left behind by a power cut
				vals = append(vals, nil)
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				it.Close()
				return err
			}
			keys = append(keys, it.Item().KeyCopy(nil))
			vals = append(vals, v)
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		next := from
		for _, v := range vals {
			if v == nil {
				continue
			}
			if err := txn.Set(keyOut(doc, next), v); err != nil {
				return err
			}
			next++
		}
		st.Acked, st.NextDSeq, st.Reborn = from-1, next, 0
		return writeState(txn, doc, st)
	})
}

// ForgetRemoved drops what this folder kept of removed documents' device
// numbering (see DocState.Reborn): under a new device identity, the
// relay's numbering starts afresh.
func (s *Store) ForgetRemoved() error {
	return s.update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("r/")})
		var keys [][]byte
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
