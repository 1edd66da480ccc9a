package store

import (
	"github.com/dgraph-io/badger/v4"
)

// Private notes are kept under their own prefix, apart from everything the
// sync engine reads: they are never chunks, never in the outbox, never
// sealed. The store holds them as opaque values the workspace encodes.
//
//	p/<doc>/<id> → one private note
func prefixPrivate(doc string) []byte { return []byte("p/" + doc + "/") }

// PutPrivate saves (or replaces) a private note, durably.
func (s *Store) PutPrivate(doc, id string, v []byte) error {
	return s.update(func(txn *badger.Txn) error { return txn.Set(append(prefixPrivate(doc), id...), v) })
}

// DeletePrivate removes a private note.
func (s *Store) DeletePrivate(doc, id string) error {
	return s.update(func(txn *badger.Txn) error { return txn.Delete(append(prefixPrivate(doc), id...)) })
}

// Private returns the private notes of a document, in ID order.
func (s *Store) Private(doc string) ([][]byte, error) {
	var out [][]byte
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixPrivate(doc), PrefetchValues: true, PrefetchSize: 32})
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
