package store

import (
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
