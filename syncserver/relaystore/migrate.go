package relaystore

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// errMigrate reports a data folder of format 1, which OpenBadger migrates.
var errMigrate = errors.New("relaystore: format 1 needs migrating")

// keyMigrated holds how far a migration from format 1 got: the last key
// rewritten, committed with each batch, so a migration cut short by a crash
// carries on where it stopped and never rewrites a value twice.
var keyMigrated = []byte("\x00migrate-v2")

// migrateV1 rewrites the records and snapshots of a format 1 folder in the
// format 2 layout (an empty signature, an unknown uploading device), then
// marks the folder as format 2. Document entries keep their format 1 size,
// which reads as a document with no root: such documents keep the rule of
// version 1, where the write capability alone lets a device write.
func (s *Badger) migrateV1() error {
	s.log.Info("migrating the relay's data folder to format 2 (signed records); this runs once")
	n := 0
	for {
		done, k, err := s.migrateBatch()
		if err != nil {
			return fmt.Errorf("%w: migrating %s to format 2: %v", ErrCorrupt, s.dir, err)
		}
		n += k
		if done {
			break
		}
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(keyMigrated); err != nil {
			return err
		}
		return txn.Set(keyFormat, []byte(formatVersion))
	})
	if err == nil {
		s.log.Info("migration to format 2 finished", "values", n)
	}
	return err
}

// migrateBytes bounds the keys and values one migration transaction
// rewrites, well within the 15% of a memtable Badger takes in one (values
// of a value threshold or more count as pointers, but are counted here
// whole).
const migrateBytes = 128 << 10

func (s *Badger) migrateBatch() (done bool, n int, err error) {
	err = s.db.Update(func(txn *badger.Txn) error {
		var after []byte
		if item, err := txn.Get(keyMigrated); err == nil {
			if after, err = item.ValueCopy(nil); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		type kv struct{ k, v []byte }
		var batch []kv
		var last []byte
		size := 0
		for it.Seek(append(after, 0)); it.Valid() && len(batch) < 500 && size < migrateBytes; it.Next() {
			item := it.Item()
			k := item.KeyCopy(nil)
			last = k
			if len(k) == 0 || (k[0] != kRecord && k[0] != kSnap) {
				continue
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				it.Close()
				return err
			}
			switch k[0] {
			case kRecord:
				if len(v) < 24 {
					it.Close()
					return fmt.Errorf("record of %d bytes", len(v))
				}
				nv := append(append(append([]byte{}, v[:24]...), 0), v[24:]...)
				batch = append(batch, kv{k, nv})
				size += len(k) + len(nv)
			case kSnap:
				if len(v) < 8 {
					it.Close()
					return fmt.Errorf("snapshot of %d bytes", len(v))
				}
				nv := append(append(append([]byte{}, v[:8]...), make([]byte, 17)...), v[8:]...)
				batch = append(batch, kv{k, nv})
				size += len(k) + len(nv)
			}
		}
		it.Close()
		if last == nil {
			done = true
			return nil
		}
		for _, e := range batch {
			if err := txn.Set(e.k, e.v); err != nil {
				return err
			}
		}
		n = len(batch)
		return txn.Set(keyMigrated, last)
	})
	return done, n, err
}
