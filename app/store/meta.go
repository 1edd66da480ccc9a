package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Docs lists the IDs of every document in the store, sorted. The list is
// kept in memory: the sync engine asks for it on every change, and a
// key-range scan walks every version of the bookkeeping records that the
// memtable still holds.
func (s *Store) Docs() ([]string, error) {
	s.docsMu.Lock()
	defer s.docsMu.Unlock()
	return slices.Clone(s.docs), nil
}

// addDoc records a new document in the in-memory list.
func (s *Store) addDoc(doc string) {
	s.docsMu.Lock()
	defer s.docsMu.Unlock()
	if i, found := slices.BinarySearch(s.docs, doc); !found {
		s.docs = slices.Insert(s.docs, i, doc)
	}
}

// listDocs reads the document IDs from disk.
func (s *Store) listDocs() ([]string, error) {
	var ids []string
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("n/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			ids = append(ids, strings.TrimPrefix(string(it.Item().Key()), "n/"))
		}
		return nil
	})
	slices.Sort(ids)
	return ids, err
}

// Meta decodes the document's metadata into v.
func (s *Store) Meta(doc string, v any) error {
	return s.view(func(txn *badger.Txn) error {
		b, err := get(txn, keyMeta(doc))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("%w: %s", ErrNotFound, doc)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%w: metadata of %s: %v", ErrCorrupt, doc, err)
		}
		return nil
	})
}

// PutMeta replaces the document's metadata.
func (s *Store) PutMeta(doc string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode metadata of %s: %w", doc, err)
	}
	return s.update(func(txn *badger.Txn) error { return txn.Set(keyMeta(doc), b) })
}

// Config decodes the settings into v. A store without settings leaves v
// untouched.
func (s *Store) Config(v any) error {
	return s.view(func(txn *badger.Txn) error {
		b, err := get(txn, keyConfig)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%w: settings: %v", ErrCorrupt, err)
		}
		return nil
	})
}

// PutConfig replaces the settings.
func (s *Store) PutConfig(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode settings: %w", err)
	}
	return s.update(func(txn *badger.Txn) error { return txn.Set(keyConfig, b) })
}

// Remove deletes a document and everything kept with it (its chunks,
// outbox and private notes). The document leaves the list in one durable
// step first; what is left of it after a crash in the middle is never read
// again. One small record stays: how far this device numbered its changes,
// so that joining the document again goes on from there (DocState.Reborn).
func (s *Store) Remove(doc string) error {
	if err := s.update(func(txn *badger.Txn) error {
		s.tails.drop(doc) // under mu, before the outbox changes: see outtail.go
		st, err := readState(txn, doc)
		if err != nil {
			return err
		}
		if st.NextDSeq > 1 {
			if err := txn.Set(keyTomb(doc), binary.BigEndian.AppendUint64(nil, st.NextDSeq)); err != nil {
				return err
			}
		}
		for _, k := range [][]byte{keyState(doc), keyMeta(doc), keySnap(doc), keyView(doc), keyEarly(doc)} {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("store: remove %s: %w", doc, err)
	}
	s.docsMu.Lock()
	if i, found := slices.BinarySearch(s.docs, doc); found {
		s.docs = slices.Delete(s.docs, i, i+1)
	}
	s.docsMu.Unlock()
	for _, p := range [][]byte{prefixChunk(doc), prefixOut(doc), prefixPrivate(doc)} {
		if err := s.dropPrefix(p); err != nil {
			return fmt.Errorf("store: remove %s: %w", doc, err)
		}
	}
	return nil
}

// dropPrefix deletes every key under p, a transaction-sized batch at a time.
func (s *Store) dropPrefix(p []byte) error {
	for {
		var keys [][]byte
		if err := s.view(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(keys) < 1000; it.Next() {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
			return nil
		}); err != nil || len(keys) == 0 {
			return err
		}
		if err := s.updateLazy(func(txn *badger.Txn) error {
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
}
