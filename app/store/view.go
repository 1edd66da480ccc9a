package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A view is a document as plain values (its workspace encodes it), kept
// beside the snapshot so the document can be shown without loading it
// into Automerge. It is stored with the SHA-256 of the snapshot it was
// made from, and is only handed out while that snapshot is the whole
// document (no chunk written since): a view can be stale or lost with no
// harm, so it is written without waiting for the disk.
//
//	v/<doc> → SHA-256 of the snapshot (32 bytes) + the view
func keyView(doc string) []byte { return []byte("v/" + doc) }

// View returns the document's view if it shows the document as stored:
// ok is false when there is none, or the document has changed since.
func (s *Store) View(doc string) (view []byte, ok bool, err error) {
	err = s.view(func(txn *badger.Txn) error {
		st, err := readState(txn, doc)
		if err != nil || st.Chunks != 0 {
			return err
		}
		v, err := get(txn, keyView(doc))
		if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && len(v) < sha256.Size) {
			return nil
		}
		if err != nil {
			return err
		}
		sum, err := snapSum(txn, doc)
		if err != nil || sum == nil || !bytes.Equal(sum, v[:sha256.Size]) {
			return err
		}
		view, ok = v[sha256.Size:], true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: read the view of %s: %w", doc, err)
	}
	return view, ok, nil
}

// PutView stores a view of the document's snapshot, if the snapshot is the
// whole document and has no view yet. make returns the snapshot the view
// was made from and the view; the view is stored only if that snapshot is
// byte for byte the one stored, so a view never shows what the snapshot
// does not hold. The caller holds the document still.
func (s *Store) PutView(doc string, make func() (snap, view []byte, err error)) error {
	var (
		sum   []byte
		fresh bool
	)
	err := s.view(func(txn *badger.Txn) error {
		st, err := readState(txn, doc)
		if err != nil || st.Chunks != 0 {
			return err
		}
		if sum, err = snapSum(txn, doc); err != nil || sum == nil {
			return err
		}
		old, err := get(txn, keyView(doc))
		fresh = err == nil && len(old) >= sha256.Size && bytes.Equal(old[:sha256.Size], sum)
		return nil
	})
	if err != nil || sum == nil || fresh {
		return err
	}
	snap, v, err := make()
	if err != nil {
		return err
	}
	if made := sha256.Sum256(snap); !bytes.Equal(made[:], sum) {
		return nil // made from another document than the one stored
	}
	return s.updateLazy(func(txn *badger.Txn) error {
		// The snapshot cannot have changed: the caller holds the document.
		return txn.Set(keyView(doc), append(sum, v...))
	})
}

// snapSum returns the SHA-256 of the document's snapshot, nil if it has
// none.
func snapSum(txn *badger.Txn, doc string) ([]byte, error) {
	item, err := txn.Get(keySnap(doc))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var sum []byte
	err = item.Value(func(snap []byte) error {
		h := sha256.Sum256(snap)
		sum = h[:]
		return nil
	})
	return sum, err
}
