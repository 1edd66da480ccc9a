package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ChunkKind tells how a chunk's bytes are merged into the document.
type ChunkKind byte

// Chunk kinds.
const (
	Changes  ChunkKind = 'c' // one or more Automerge changes, in causal order
	Document ChunkKind = 'd' // a whole saved document, such as a relay snapshot
)

// Chunk is one stored piece of a document.
type Chunk struct {
	Kind ChunkKind
	Data []byte
}

// DocState is the bookkeeping kept beside each document.
type DocState struct {
	NextChunk  uint64 `json:"nextChunk"`  // number the next chunk gets
	NextDSeq   uint64 `json:"nextDSeq"`   // device sequence the next pushed change gets
	Acked      uint64 `json:"acked"`      // highest device sequence the relay acknowledged
	Cursor     uint64 `json:"cursor"`     // highest relay sequence applied here
	Chunks     int    `json:"chunks"`     // chunks written since the snapshot
	ChunkBytes int64  `json:"chunkBytes"` // their total size
	RelaySnap  uint64 `json:"relaySnap"`  // relay sequence covered by the newest snapshot on the relay
	// Reborn is set when the document was removed from here and joined
	// again: this device's changes numbered below it were made before the
	// removal, so they are not in the local copy and must be applied when
	// the relay sends them back, and new changes are numbered from it on,
	// so the relay never takes one for a repeat of an old one.
	Reborn uint64 `json:"reborn,omitempty"`
	// Reserved: this device's changes numbered below it may be sent to the
	// relay before they are on this disk, so the engine need not wait for
	// the disk. Every synced edit moves it ahead of NextDSeq (reserveAhead)
	// and a clean close brings it back; found ahead on open, it means a
	// crash, and the numbers in between become Unsure.
	Reserved uint64 `json:"reserved,omitempty"`
	// UnsureFrom and UnsureTo: after such a crash, this device's changes
	// numbered in [UnsureFrom, UnsureTo) may be on the relay but not here.
	// They are applied when they come back, and the relay holding another
	// change under one of them means renumbering, not a restored copy.
	UnsureFrom uint64 `json:"unsureFrom,omitempty"`
	UnsureTo   uint64 `json:"unsureTo,omitempty"`
	// Epoch counts those crashes. After one, this device writes the
	// document as a new Automerge actor (crdt.EpochActor), so a change
	// lost here but held by the relay never shares its actor and number
	// with a new one.
	Epoch uint32 `json:"epoch,omitempty"`
}

// Unsure reports whether this device's change numbered dseq may be on
// the relay without being in the local copy (see UnsureFrom).
func (st DocState) Unsure(dseq uint64) bool {
	return st.UnsureFrom <= dseq && dseq < st.UnsureTo
}

// reserveAhead is how many device sequences past the last change written
// the engine may send before they are on disk (DocState.Reserved).
const reserveAhead = 64

// Pending is the number of changes waiting for the relay.
func (st DocState) Pending() uint64 {
	if st.NextDSeq == 0 {
		return 0
	}
	return st.NextDSeq - 1 - st.Acked
}

func readState(txn *badger.Txn, doc string) (DocState, error) {
	var st DocState
	v, err := get(txn, keyState(doc))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return st, fmt.Errorf("%w: %s", ErrNotFound, doc)
	}
	if err != nil {
		return st, err
	}
	st, err = decodeState(v)
	if err != nil {
		return st, fmt.Errorf("%w: state of %s: %v", ErrCorrupt, doc, err)
	}
	return st, nil
}

// decodeState parses a document's stored bookkeeping and checks that its
// numbers agree with each other, so a damaged record is reported instead of
// turning into a huge count of waiting changes.
func decodeState(v []byte) (DocState, error) {
	var st DocState
	var err error
	if len(v) > 0 && v[0] == '{' {
		err = json.Unmarshal(v, &st) // as stores before binary states wrote it
	} else {
		st, err = unpackState(v)
	}
	if err != nil {
		return DocState{}, err
	}
	switch {
	case st.NextDSeq == 0 && st.Acked != 0:
		return DocState{}, fmt.Errorf("acknowledged %d changes but never numbered one", st.Acked)
	case st.NextDSeq > 0 && st.Acked > st.NextDSeq-1:
		return DocState{}, fmt.Errorf("acknowledged change %d but only numbered up to %d", st.Acked, st.NextDSeq-1)
	case st.Chunks < 0 || st.ChunkBytes < 0:
		return DocState{}, fmt.Errorf("negative chunk count or size")
	case uint64(st.Chunks) > st.NextChunk:
		return DocState{}, fmt.Errorf("%d chunks since the snapshot but only %d ever written", st.Chunks, st.NextChunk)
	case st.Reborn > st.NextDSeq:
		return DocState{}, fmt.Errorf("joined again at change %d but only numbered up to %d", st.Reborn, st.NextDSeq)
	case st.Reserved > st.NextDSeq+reserveAhead:
		return DocState{}, fmt.Errorf("reserved change numbers up to %d but only numbered up to %d", st.Reserved, st.NextDSeq)
	case st.UnsureFrom > st.UnsureTo || st.UnsureTo > st.NextDSeq+reserveAhead:
		return DocState{}, fmt.Errorf("changes %d to %d marked unsure but only numbered up to %d", st.UnsureFrom, st.UnsureTo, st.NextDSeq)
	}
	return st, nil
}

// decodeChunk parses a stored chunk: its kind byte, then its bytes.
func decodeChunk(v []byte) (Chunk, error) {
	if len(v) == 0 || (ChunkKind(v[0]) != Changes && ChunkKind(v[0]) != Document) {
		return Chunk{}, errors.New("no valid kind")
	}
	return Chunk{Kind: ChunkKind(v[0]), Data: v[1:]}, nil
}

func writeState(txn *badger.Txn, doc string, st DocState) error {
	return txn.Set(keyState(doc), packState(st))
}

func putChunk(txn *badger.Txn, doc string, st *DocState, c Chunk) error {
	if err := txn.Set(keyChunk(doc, st.NextChunk), append([]byte{byte(c.Kind)}, c.Data...)); err != nil {
		return err
	}
	st.NextChunk++
	st.Chunks++
	st.ChunkBytes += int64(len(c.Data))
	return nil
}

// Create stores a new document: its metadata and first chunk. If push is
// set the chunk also goes into the outbox for the relay.
func (s *Store) Create(doc string, meta any, first []byte, push bool) (err error) {
	mb, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("store: encode metadata of %s: %w", doc, err)
	}
	defer func() {
		if err == nil {
			s.addDoc(doc)
		}
	}()
	return s.update(func(txn *badger.Txn) error {
		s.tails.drop(doc) // under mu, before the outbox changes: see outtail.go
		if _, err := txn.Get(keyState(doc)); err == nil {
			return fmt.Errorf("store: pair %s already exists here", doc)
		}
		st := DocState{NextDSeq: 1}
		if v, err := get(txn, keyTomb(doc)); err == nil && len(v) == 8 {
			next := binary.BigEndian.Uint64(v)
			st = DocState{NextDSeq: next, Acked: next - 1, Reborn: next}
			if err := txn.Delete(keyTomb(doc)); err != nil {
				return err
			}
		}
		if err := txn.Set(keyMeta(doc), mb); err != nil {
			return err
		}
		if first != nil {
			if err := addLocal(txn, doc, &st, first, push); err != nil {
				return err
			}
		}
		return writeState(txn, doc, st)
	})
}

func addLocal(txn *badger.Txn, doc string, st *DocState, change []byte, push bool) error {
	if err := putChunk(txn, doc, st, Chunk{Changes, change}); err != nil {
		return err
	}
	if push {
		if err := txn.Set(keyOut(doc, st.NextDSeq), change); err != nil {
			return err
		}
		st.NextDSeq++
	}
	return nil
}

// AppendLocal durably stores a change made on this machine and, if push is
// set, queues it for the relay. It returns the document's new state.
//
// A pushed change is in the outbox (and the engine told, see OnQueued)
// before the disk has it, when its number is below the durably reserved
// one: the engine may send it while the disk works. Otherwise (the first
// edit after opening) it may go only once the disk has it, and the engine
// is told again then.
func (s *Store) AppendLocal(doc string, change []byte, push bool) (DocState, error) {
	var st DocState
	var dseq uint64 // the change's number in the outbox, when pushed
	early := false  // the change may go before its sync
	queued := func() {}
	if push {
		queued = func() {
			s.tails.add(doc, dseq, change)
			if s.queued(doc) && early && !s.inMemory {
				s.awaitSent(doc, dseq) // sendfirst.go
			}
		}
	}
	err := s.writeThen(func(txn *badger.Txn) error {
		var err error
		if st, err = readState(txn, doc); err != nil {
			return err
		}
		dseq = st.NextDSeq
		if push {
			// Only synced writes (this one, and Close) move Reserved, and
			// they run under mu, so what is read here is on disk, as is
			// every change numbered before this one.
			s.reserved(doc, max(st.Reserved, st.NextDSeq))
			early = st.Reserved > st.NextDSeq
		}
		if err := addLocal(txn, doc, &st, change, push); err != nil {
			return err
		}
		if push {
			st.Reserved = max(st.Reserved, st.NextDSeq+reserveAhead)
		}
		return writeState(txn, doc, st)
	}, now, queued)
	if err != nil {
		// Badger may have kept the entry though it failed: the tail, which
		// did not get it, no longer holds every entry from its first.
		s.tails.drop(doc)
		return st, fmt.Errorf("store: save change to %s: %w", doc, err)
	}
	if push {
		s.reserved(doc, st.Reserved)
		if !early {
			s.queued(doc) // it may go now
		}
	}
	return st, nil
}

// AppendRemote stores chunks received from the relay and advances the
// cursor to cursor, in one transaction: after a crash either both happened
// or neither did, and the relay simply sends the records again.
//
// It does not wait for the disk, but the chunks are synced before any later
// write (see updateSoon): a later local edit built on them, or a later
// cursor past them, must never outlive them. With no chunks (only this
// machine's own changes coming back) there is nothing to lose.
// It returns the document's new state.
func (s *Store) AppendRemote(doc string, chunks []Chunk, cursor uint64) (DocState, error) {
	return s.AppendReceived(doc, chunks, cursor, nil, false)
}

// AppendReceived is AppendRemote that, with putUnconfirmed set, also
// replaces the changes merged early that the relay has not yet stored
// (see Unconfirmed; nil or empty: none), in the same transaction, so they
// last exactly as long as the chunks that hold them.
func (s *Store) AppendReceived(doc string, chunks []Chunk, cursor uint64, unconfirmed []byte, putUnconfirmed bool) (DocState, error) {
	update := s.updateSoon
	if len(chunks) == 0 {
		update = s.updateLazy
	}
	var st DocState
	err := update(func(txn *badger.Txn) error {
		var err error
		st, err = appendReceivedIn(txn, doc, chunks, cursor, unconfirmed, putUnconfirmed)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("store: save received changes to %s: %w", doc, err)
	}
	return st, nil
}

// Received is what arrived from the relay for one document, for
// AppendReceivedSynced: chunks, the cursor to move to (0 to leave it) and,
// with PutUnconfirmed set, the document's unconfirmed changes to keep
// (see AppendReceived).
type Received struct {
	Doc            string
	Chunks         []Chunk
	Cursor         uint64
	Unconfirmed    []byte
	PutUnconfirmed bool
}

// AppendReceivedSynced stores what arrived for several documents in one
// transaction, synced before it returns if it holds any chunk, and
// returns their new states in the same order and how many of them it
// stored (all, unless it fails; a document deleted meanwhile counts as
// stored, with a zero state). One
// transaction lands in one Badger memtable, which the sync covers; writes
// left unsynced one after another could straddle a new memtable, and the
// sync would then miss the first. A transaction too large for Badger is
// split into several, each synced before the next: first by document,
// then a document's chunks, with its cursor and unconfirmed changes in
// the last.
func (s *Store) AppendReceivedSynced(items []Received) ([]DocState, int, error) {
	states := make([]DocState, len(items))
	// Cursors and unconfirmed changes alone pass only what is on disk
	// already, and a crash that undoes them costs a fetch: they need no
	// sync of their own.
	when := lazy
	for _, it := range items {
		if len(it.Chunks) > 0 {
			when = now
		}
	}
	err := s.write(func(txn *badger.Txn) error {
		for i, it := range items {
			st, err := appendReceivedIn(txn, it.Doc, it.Chunks, it.Cursor, it.Unconfirmed, it.PutUnconfirmed)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			states[i] = st
		}
		return nil
	}, when)
	switch {
	case errors.Is(err, badger.ErrTxnTooBig) && len(items) > 1:
		for i, it := range items {
			st, _, err := s.AppendReceivedSynced([]Received{it})
			if err != nil {
				return states, i, err
			}
			states[i] = st[0]
		}
		return states, len(items), nil
	case errors.Is(err, badger.ErrTxnTooBig) && len(items[0].Chunks) > 1:
		it := items[0]
		half := len(it.Chunks) / 2
		if _, _, err := s.AppendReceivedSynced([]Received{{Doc: it.Doc, Chunks: it.Chunks[:half]}}); err != nil {
			return states, 0, err
		}
		it.Chunks = it.Chunks[half:]
		return s.AppendReceivedSynced([]Received{it})
	case err != nil:
		return states, 0, fmt.Errorf("store: save received changes: %w", err)
	}
	return states, len(items), nil
}

func appendReceivedIn(txn *badger.Txn, doc string, chunks []Chunk, cursor uint64, unconfirmed []byte, putUnconfirmed bool) (DocState, error) {
	st, err := readState(txn, doc)
	if err != nil {
		return st, err
	}
	for _, c := range chunks {
		if err := putChunk(txn, doc, &st, c); err != nil {
			return st, err
		}
	}
	if cursor > st.Cursor {
		st.Cursor = cursor
	}
	if putUnconfirmed {
		if err := setUnconfirmed(txn, doc, unconfirmed); err != nil {
			return st, err
		}
	}
	return st, writeState(txn, doc, st)
}

// Load returns the document's snapshot (nil if none yet) and the chunks
// written since, in order.
func (s *Store) Load(doc string) (snap []byte, chunks []Chunk, err error) {
	err = s.view(func(txn *badger.Txn) error {
		if _, err := readState(txn, doc); err != nil {
			return err
		}
		snap, err = get(txn, keySnap(doc))
		if errors.Is(err, badger.ErrKeyNotFound) {
			snap, err = nil, nil
		}
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefixChunk(doc)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			c, err := decodeChunk(v)
			if err != nil {
				return fmt.Errorf("%w: chunk %d of %s: %v", ErrCorrupt, seqOf(it.Item().Key()), doc, err)
			}
			chunks = append(chunks, c)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: load %s: %w", doc, err)
	}
	return snap, chunks, nil
}

// Compact replaces the snapshot with snap, which must hold every chunk
// numbered below upto, and drops those chunks. Callers hold the document
// still while they save it, so upto is exact.
func (s *Store) Compact(doc string, snap []byte, upto uint64) error {
	err := s.update(func(txn *badger.Txn) error {
		st, err := readState(txn, doc)
		if err != nil {
			return err
		}
		if err := txn.Set(keySnap(doc), snap); err != nil {
			return err
		}
		// Acknowledged changes a power cut brought back (see Ack) go too.
		var drop [][]byte
		out := txn.NewIterator(badger.IteratorOptions{Prefix: prefixOut(doc)})
		for out.Rewind(); out.Valid() && seqOf(out.Item().Key()) <= st.Acked; out.Next() {
			drop = append(drop, out.Item().KeyCopy(nil))
		}
		out.Close()
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixChunk(doc)})
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if seqOf(k) >= upto {
				break
			}
			drop = append(drop, k)
			st.Chunks--
			st.ChunkBytes -= int64(it.Item().ValueSize() - 1)
		}
		it.Close()
		for _, k := range drop {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		if st.Chunks <= 0 {
			st.Chunks, st.ChunkBytes = 0, 0
		}
		return writeState(txn, doc, st)
	})
	if err != nil {
		return fmt.Errorf("store: compact %s: %w", doc, err)
	}
	return nil
}

// State returns the document's bookkeeping.
func (s *Store) State(doc string) (st DocState, err error) {
	err = s.view(func(txn *badger.Txn) error {
		st, err = readState(txn, doc)
		return err
	})
	return st, err
}

// Outbox returns up to max changes waiting for the relay with a device
// sequence of at least from, oldest first.
//
// A change whose number is not yet durably reserved is left out until its
// own write is on disk: sent earlier, a crash could lose it here while the
// relay keeps it, and its number would be given to another change.
//
// The newest entries usually come from memory (see outtail.go), and Data
// may be shared with later callers: do not modify it.
func (s *Store) Outbox(doc string, from uint64, max int) (out []Pending, err error) {
	out, ok := s.tails.outbox(doc, from, max)
	if !ok {
		if out, err = s.outboxStored(doc, from, max); err != nil {
			return nil, err
		}
	}
	if betweenOutboxReads != nil {
		betweenOutboxReads()
	}
	// The limit is read after the entries: it is set before an entry it
	// holds back is written, so whatever entries were read, it covers
	// them. (Read first, it could miss the first edit since opening,
	// written between the two reads, and let it go before its sync.)
	if limit, capped := s.sendable(doc); capped {
		for i, p := range out {
			if p.DSeq >= limit {
				return out[:i], nil
			}
		}
	}
	return out, nil
}

// betweenOutboxReads, when set by a test, runs between Outbox's reading of
// the entries and of the limit on sending them.
var betweenOutboxReads func()

// outboxStored reads from the store up to max outbox entries numbered from
// on.
func (s *Store) outboxStored(doc string, from uint64, max int) (out []Pending, err error) {
	err = s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefixOut(doc)})
		defer it.Close()
		for it.Seek(keyOut(doc, from)); it.Valid() && len(out) < max; it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, Pending{DSeq: seqOf(it.Item().Key()), Data: v})
		}
		return nil
	})
	return out, err
}

// Pending is a change waiting in the outbox.
type Pending struct {
	DSeq uint64
	Data []byte
}

// Ack records that the relay stored every change up to dseq, and drops them
// from the outbox. It does not wait for the disk: if a crash undoes it, the
// changes are pushed again and the relay acknowledges them as replays. (If
// a power cut loses it while a later write keeps the new Acked, the
// entries it deleted come back below Acked; Compact removes them.)
//
// It returns the document's new state.
func (s *Store) Ack(doc string, dseq uint64) (st DocState, err error) {
	err = s.writeThen(func(txn *badger.Txn) error {
		if st, err = readState(txn, doc); err != nil {
			return err
		}
		for d := st.Acked + 1; d <= dseq; d++ {
			if err := txn.Delete(keyOut(doc, d)); err != nil {
				return err
			}
		}
		if dseq > st.Acked {
			st.Acked = dseq
		}
		return writeState(txn, doc, st)
	}, lazy, func() { s.tails.acked(doc, dseq) })
	return st, err
}

// SetRelaySnap records the relay sequence covered by the relay's snapshot.
func (s *Store) SetRelaySnap(doc string, seq uint64) error {
	return s.updateLazy(func(txn *badger.Txn) error {
		st, err := readState(txn, doc)
		if err != nil {
			return err
		}
		if seq > st.RelaySnap {
			st.RelaySnap = seq
		}
		return writeState(txn, doc, st)
	})
}

// Unconfirmed returns the changes merged early into doc that the relay had
// not yet said it stored (AppendReceived), concatenated; nil if none.
func (s *Store) Unconfirmed(doc string) ([]byte, error) {
	var raw []byte
	err := s.view(func(txn *badger.Txn) error {
		var err error
		raw, err = get(txn, keyEarly(doc))
		if errors.Is(err, badger.ErrKeyNotFound) {
			raw, err = nil, nil
		}
		return err
	})
	return raw, err
}

func setUnconfirmed(txn *badger.Txn, doc string, raw []byte) error {
	if len(raw) == 0 {
		return txn.Delete(keyEarly(doc))
	}
	return txn.Set(keyEarly(doc), raw)
}
