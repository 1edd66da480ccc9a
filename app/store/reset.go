package store

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Reset drops a document's local copy (its snapshot and every chunk) and
// rewinds its cursor to 0, so the relay sends the whole document again. It
// is for a copy that no longer loads. Everything that cannot come back
// from the relay stays: the metadata and keys, private notes, how far this
// device numbered its changes, and the outbox of changes the relay has not
// acknowledged (acknowledged ones the relay has, so they go). Reborn is set
// to the next device sequence: this device's changes numbered below it
// are no longer in the local copy, so they are applied when the relay
// sends them back instead of being taken as already here.
//
// It is one durable step: after a crash either the copy is still there,
// to be found damaged and reset again, or it is gone.
func (s *Store) Reset(doc string) (DocState, error) {
	var st DocState
	err := s.update(func(txn *badger.Txn) error {
		s.tails.drop(doc) // under mu, before the outbox changes: see outtail.go
		var err error
		if st, err = readState(txn, doc); err != nil {
			return err
		}
		var drop [][]byte
		for _, p := range [][]byte{prefixChunk(doc), prefixOut(doc)} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
			for it.Rewind(); it.Valid(); it.Next() {
				k := it.Item().KeyCopy(nil)
				if p[0] == 'o' && seqOf(k) > st.Acked {
					break // still waiting for the relay: keep
				}
				drop = append(drop, k)
			}
			it.Close()
		}
		drop = append(drop, keySnap(doc), keyView(doc), keyEarly(doc))
		for _, k := range drop {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		st.Cursor, st.Chunks, st.ChunkBytes = 0, 0, 0
		st.Reborn = st.NextDSeq
		return writeState(txn, doc, st)
	})
	if err != nil {
		return st, fmt.Errorf("store: reset the local copy of %s: %w", doc, err)
	}
	return st, nil
}
