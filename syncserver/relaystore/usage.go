package relaystore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

// Accounting keys. They live beside the log's own keys under prefixes of
// their own, so the log and meta encodings stay as they are. Only the
// writer (Commit, PutSnapshot) writes kUsage and only Prune writes kPruned,
// so the background prune never conflicts with a group commit.
const (
	kOwner    = 'O' // doc → ID of the token that created it (absent: unknown)
	kUsage    = 'U' // doc → records added, bytes added, snapshot bytes, last write
	kPruned   = 'P' // doc → records pruned, bytes pruned
	kDeleting = 'X' // doc → present while a deletion is under way
)

const usageLen, prunedLen = 32, 16

// ErrLocked is returned by OpenBadger when another process (a serving
// relay) holds the data folder.
var ErrLocked = errors.New("relaystore: the data folder is in use by another process")

// Usage is what one document holds on the relay.
type Usage struct {
	Doc       wire.DocID
	Owner     string // ID of the token that created it; "" when unknown
	Records   int64
	Bytes     int64     // sealed bodies of its records and its snapshot
	LastWrite time.Time // zero when unknown
}

// Accounting is what the relay needs to enforce quotas and what its admin
// commands need to show and remove documents.
type Accounting interface {
	// Usage reports a document's usage, or false if there is no such
	// document.
	Usage(id wire.DocID) (Usage, bool)
	// OwnerBytes is what every document a token created holds.
	OwnerBytes(owner string) int64
	// Usages lists every document's usage.
	Usages() []Usage
	// DeleteDoc removes a document: its meta, log, snapshot and usage.
	// It returns ErrNotFound if there is no such document.
	DeleteDoc(id wire.DocID) error
}

var _ Accounting = (*Badger)(nil)

// docAcct mirrors a document's kOwner, kUsage and kPruned entries.
type docAcct struct {
	owner                        string
	added, addedBytes, snapBytes uint64
	last                         int64 // unix nanoseconds; 0 when unknown
	pruned, prunedBytes          uint64
}

func (a *docAcct) bytes() int64   { return int64(a.addedBytes - a.prunedBytes + a.snapBytes) }
func (a *docAcct) records() int64 { return int64(a.added - a.pruned) }

func (a *docAcct) usage(id wire.DocID) Usage {
	u := Usage{Doc: id, Owner: a.owner, Records: a.records(), Bytes: a.bytes()}
	if a.last != 0 {
		u.LastWrite = time.Unix(0, a.last)
	}
	return u
}

func (a *docAcct) encodeUsage() []byte {
	b := make([]byte, 0, usageLen)
	for _, v := range []uint64{a.added, a.addedBytes, a.snapBytes, uint64(a.last)} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

func (a *docAcct) decodeUsage(b []byte) error {
	if len(b) != usageLen {
		return fmt.Errorf("%w: usage entry of %d bytes", ErrCorrupt, len(b))
	}
	a.added, a.addedBytes = binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	a.snapBytes, a.last = binary.BigEndian.Uint64(b[16:]), int64(binary.BigEndian.Uint64(b[24:]))
	return nil
}

func (a *docAcct) decodePruned(b []byte) error {
	if len(b) != prunedLen {
		return fmt.Errorf("%w: pruned entry of %d bytes", ErrCorrupt, len(b))
	}
	a.pruned, a.prunedBytes = binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	return nil
}

func (a *docAcct) encodePruned() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, a.pruned), a.prunedBytes)
}

// acct is the in-memory copy of every document's accounting, with each
// owner's total. Commit and PutSnapshot change it only after their
// transaction is durable.
type acct struct {
	mu     sync.Mutex
	docs   map[wire.DocID]*docAcct
	owners map[string]int64
}

func (a *acct) get(id wire.DocID) (docAcct, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.docs[id]
	if !ok {
		return docAcct{}, false
	}
	return *d, true
}

// update changes a document's accounting (adding it if new) and moves its
// owner's total by the difference.
func (a *acct) update(id wire.DocID, f func(*docAcct)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.docs[id]
	if !ok {
		d = &docAcct{}
		a.docs[id] = d
	}
	a.owners[d.owner] -= d.bytes()
	f(d)
	a.owners[d.owner] += d.bytes()
}

func (a *acct) remove(id wire.DocID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.docs[id]; ok {
		a.owners[old.owner] -= old.bytes()
		delete(a.docs, id)
	}
}

// Usage implements Accounting.
func (s *Badger) Usage(id wire.DocID) (Usage, bool) {
	d, ok := s.acct.get(id)
	if !ok {
		return Usage{}, false
	}
	return d.usage(id), true
}

// OwnerBytes implements Accounting.
func (s *Badger) OwnerBytes(owner string) int64 {
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	return s.acct.owners[owner]
}

// Usages implements Accounting, largest documents first.
func (s *Badger) Usages() []Usage {
	s.acct.mu.Lock()
	out := make([]Usage, 0, len(s.acct.docs))
	for id, d := range s.acct.docs {
		out = append(out, d.usage(id))
	}
	s.acct.mu.Unlock()
	slices.SortFunc(out, func(a, b Usage) int {
		if a.Bytes != b.Bytes {
			return int(min(max(b.Bytes-a.Bytes, -1), 1))
		}
		return slices.Compare(a.Doc[:], b.Doc[:])
	})
	return out
}

// stageCommit writes the accounting of a batch into its transaction and
// returns it, to be applied once the transaction is durable.
func (s *Badger) stageCommit(txn *badger.Txn, b Batch, now time.Time) (map[wire.DocID]docAcct, error) {
	staged := map[wire.DocID]docAcct{}
	for id := range b.Creates {
		d := docAcct{owner: b.Owners[id]}
		if d.owner != "" {
			if err := txn.Set(key(kOwner, id), []byte(d.owner)); err != nil {
				return nil, err
			}
		}
		staged[id] = d
	}
	for _, e := range b.Entries {
		d, ok := staged[e.Doc]
		if !ok {
			d, _ = s.acct.get(e.Doc)
		}
		d.added++
		d.addedBytes += uint64(len(e.Rec.Body))
		d.last = now.UnixNano()
		staged[e.Doc] = d
	}
	for id, d := range staged {
		if err := txn.Set(key(kUsage, id), d.encodeUsage()); err != nil {
			return nil, err
		}
	}
	return staged, nil
}

// applyUsage applies what stageCommit or stageSnapshot wrote: the owner
// and the writer's counters, never the pruned ones, which Prune keeps.
func (s *Badger) applyUsage(staged map[wire.DocID]docAcct) {
	for id, n := range staged {
		s.acct.update(id, func(d *docAcct) {
			d.owner, d.added, d.addedBytes, d.snapBytes, d.last = n.owner, n.added, n.addedBytes, n.snapBytes, n.last
		})
	}
}

// applyPruned applies what stagePrune wrote.
func (s *Badger) applyPruned(staged map[wire.DocID]docAcct) {
	for id, n := range staged {
		s.acct.update(id, func(d *docAcct) { d.pruned, d.prunedBytes = n.pruned, n.prunedBytes })
	}
}

// stageSnapshot accounts a replaced snapshot in its transaction.
func (s *Badger) stageSnapshot(txn *badger.Txn, id wire.DocID, size int, now time.Time) (map[wire.DocID]docAcct, error) {
	d, _ := s.acct.get(id)
	d.snapBytes, d.last = uint64(size), now.UnixNano()
	return map[wire.DocID]docAcct{id: d}, txn.Set(key(kUsage, id), d.encodeUsage())
}

// stagePrune accounts pruned records in the prune's transaction.
func (s *Badger) stagePrune(txn *badger.Txn, id wire.DocID, n int, freed int64) (map[wire.DocID]docAcct, error) {
	d, ok := s.acct.get(id)
	if !ok || n == 0 {
		return nil, nil
	}
	d.pruned += uint64(n)
	d.prunedBytes += uint64(freed)
	return map[wire.DocID]docAcct{id: d}, txn.Set(key(kPruned, id), d.encodePruned())
}
