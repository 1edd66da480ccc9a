package store

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/badgertidy"
)

// Dump and LoadDump carry a whole data folder into a backup and back (see
// workspace.WriteBackup). Dump reads every record in one transaction, so
// the copy is consistent even while the app keeps writing.

// dumpPrefixes are the record kinds a backup carries; LoadDump refuses any
// other, so a backup from a newer Pairwise with records this one does not
// know is not half-restored. The purge mark is left out: it belongs to the
// folder it was written in.
var dumpPrefixes = [][]byte{keyFormat, keyConfig, []byte("m/"), []byte("n/"), []byte("s/"), []byte("v/"), []byte("u/"), []byte("c/"), []byte("o/"), []byte("p/"), []byte("r/")}

func dumpable(key []byte) bool {
	for _, p := range dumpPrefixes {
		if len(p) > 2 && bytes.Equal(key, p) || len(p) <= 2 && bytes.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Dump calls fn with every record of the folder as of one moment. The
// slices are fn's to keep.
func (s *Store) Dump(fn func(key, val []byte) error) error {
	return s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().KeyCopy(nil)
			if !dumpable(key) {
				continue
			}
			val, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := fn(key, val); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoadDump writes records Dump gave into this store, which must be new
// (hold no document). next returns false when there are no more. It
// refuses a record of a kind this Pairwise does not know and a format
// newer than FormatVersion, before writing anything of them.
func (s *Store) LoadDump(next func() (key, val []byte, ok bool, err error)) error {
	if docs, _ := s.Docs(); len(docs) > 0 {
		return fmt.Errorf("store: %s already holds pairs; a backup is loaded only into an empty folder", s.dir)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for {
		key, val, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if !dumpable(key) {
			return fmt.Errorf("%w: the backup holds a record this Pairwise does not know (%.20q); update Pairwise to restore it", ErrNewer, key)
		}
		if bytes.Equal(key, keyFormat) {
			if len(val) != 1 {
				return fmt.Errorf("%w: the backup's format marker is damaged", ErrCorrupt)
			}
			if val[0] > FormatVersion {
				return fmt.Errorf("%w: the backup was made by a newer Pairwise; update Pairwise to restore it", ErrNewer)
			}
			continue // this store wrote its own
		}
		if err := wb.Set(key, val); err != nil {
			return fmt.Errorf("store: load the backup into %s: %w", s.dir, err)
		}
	}
	if err := wb.Flush(); err != nil {
		if badgertidy.DiskFailure(err) {
			return s.fail(err)
		}
		return fmt.Errorf("store: load the backup into %s: %w", s.dir, err)
	}
	if err := s.syncDisk(); err != nil {
		return err
	}
	docs, err := s.listDocs()
	if err != nil {
		return err
	}
	s.docsMu.Lock()
	s.docs = docs
	s.docsMu.Unlock()
	return nil
}

// StartOver prepares a restored document for a new device identity:
// the changes waiting in its outbox are numbered from 1 for the relay
// (see Renumber), the crash bookkeeping of the old device is dropped, and
// the document is written from now on as the Automerge actor of epoch
// (crdt.EpochActor), so nothing this copy writes can share an actor and
// number with a change the original folder makes after the backup.
func (s *Store) StartOver(doc string, epoch uint32) error {
	if err := s.Renumber(doc, 1); err != nil {
		return err
	}
	return s.update(func(txn *badger.Txn) error {
		st, err := readState(txn, doc)
		if err != nil {
			return err
		}
		st.Reserved, st.UnsureFrom, st.UnsureTo, st.Epoch = 0, 0, 0, epoch
		return writeState(txn, doc, st)
	})
}
