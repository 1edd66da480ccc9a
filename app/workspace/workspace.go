// Package workspace is the client core the desktop UI and the CLI share: it
// opens the data folder, keeps pair documents in memory, applies edits as
// durable commits, merges what the relay delivers, and exports.
package workspace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
	"pairwise/shared/seal"
)

// Settings are the user's preferences, kept in the data folder.
type Settings struct {
	Device string `json:"device"` // random ID of this installation (hex, 16 bytes)
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
	Relay  string `json:"relay,omitempty"`
	Token  string `json:"token,omitempty"`
	Vault  bool   `json:"vault,omitempty"` // pair keys are sealed with a vault key in the OS keyring
	// The device's signing key (see device.go): its seed, in clear where
	// there is no keyring, else sealed with the vault key.
	DeviceKey       []byte `json:"deviceKey,omitempty"`
	SealedDeviceKey []byte `json:"sealedDeviceKey,omitempty"`
}

// Meta is what this machine knows about a pair beyond the document itself.
// Key and secrets never leave the machine except inside invite codes.
type Meta struct {
	ID         string       `json:"id"`
	Actor      string       `json:"actor"` // Automerge actor this replica writes as; also its member ID
	Key        []byte       `json:"key"`
	Write      []byte       `json:"write,omitempty"` // write capability; nil on a read-only replica
	Read       []byte       `json:"read,omitempty"`
	Relay      string       `json:"relay,omitempty"`
	Registered bool         `json:"registered,omitempty"` // the relay knows the document
	Pending    *PendingJoin `json:"pending,omitempty"`    // membership to add once the pair arrives
	Title      string       `json:"title,omitempty"`      // last known title, for listing before the first sync
	Sealed     []byte       `json:"sealed,omitempty"`     // Key, Write and Read sealed with the keyring's vault key
	// Kind is "" for a mentoring pair, or mentoring.KindProgramme or
	// KindBoard for the two documents of a cohort. It never changes.
	Kind string `json:"kind,omitempty"`
	// Cohort is, for a board, the cohort (programme document) it belongs
	// to. (A pair's cohort is in the pair document: mentoring.Pair.Cohort.)
	Cohort string `json:"cohort,omitempty"`
	// Root and Certs are the document's write authority (see
	// authority.go); a document from before signed devices has neither.
	Root  []byte   `json:"root,omitempty"`
	Certs [][]byte `json:"certs,omitempty"`
	// Rebuilding is set while the saved copy, found damaged, is rebuilt
	// from the relay (see rebuild): reads say so instead of showing it empty.
	Rebuilding bool `json:"rebuilding,omitempty"`

	// Local habits, never shared with the partner.
	Seen        time.Time `json:"seen,omitempty"`        // the partner's messages are read up to here
	NudgesOff   bool      `json:"nudgesOff,omitempty"`   // no rhythm reminders for this pair
	SnoozeUntil string    `json:"snoozeUntil,omitempty"` // no reminders before this date
	LastNudge   string    `json:"lastNudge,omitempty"`   // key of the last reminder shown
}

// PendingJoin is a membership that waits for the pair document to arrive.
type PendingJoin struct {
	Name string         `json:"name"`
	Role mentoring.Role `json:"role"`
}

// ReadOnly reports whether this replica can only read the pair.
func (m Meta) ReadOnly() bool { return m.Write == nil }

// Compaction thresholds. Past the first pair, the chunks are folded into a
// snapshot once the pair has been left alone for compactIdle; saving a
// document with years of history takes tens of milliseconds, which an edit
// (or a change arriving from the partner) should not wait for. Past the
// second pair they are folded at once.
const (
	compactChunks = 256
	compactBytes  = 1 << 20
)

// These are variables only so tests need not wait or write megabytes.
var (
	compactChunksHard = 4096
	compactBytesHard  = int64(8 << 20)
	compactIdle       = time.Second // how long a pair must be left alone
)

// Workspace is an open data folder. It is safe for concurrent use.
type Workspace struct {
	st   *store.Store
	logf func(string, ...any)
	// Now is the clock edits are stamped with; tests replace it.
	Now func() time.Time

	vault     vault
	device    seal.DeviceKey
	deviceErr error // why device is missing, if it is
	// lockedToken is the sealed token when the vault could not open it,
	// and tokenErr why (see putSettings and Token).
	lockedToken []byte
	tokenErr    error

	mu       sync.Mutex
	closed   atomic.Bool // set by Close; idle compactions then do nothing
	settings Settings
	docs     map[string]*handle
	watchers []func(doc string)
	// reported is, per pair in a cohort, the report last seen on or
	// written to the cohort's board (see reportHealth); reportMu makes
	// one report at a time.
	reported map[string]reported
	reportMu sync.Mutex
	rep      *reporter
	counts   counters
}

type handle struct {
	kind string     // meta.Kind, which never changes: read without mu
	mu   sync.Mutex // held across edit, commit and store write
	doc  *crdt.Doc
	meta Meta
	// tree caches doc as plain values and pair its last typed read; stale
	// lists the records edited since that read. Reading a long-lived
	// document through cgo is the costly part of an edit and of drawing a
	// screen, so a local edit re-reads only the records it touched into
	// tree and read refreshes only those parts of pair; anything else (a
	// merge, a reload) drops the cache.
	tree  map[string]any
	pair  *mentoring.Pair
	stale []crdt.Path
	last  lastChanges // when each member last changed it (presence.go)
	// compact is the pending idle compaction, if any.
	compact *time.Timer
	// reads counts whole-document reads (Workspace.Counts).
	reads *atomic.Int64
}

// read returns the typed pair. The result is shared: callers must not
// modify it.
func (h *handle) read() (*mentoring.Pair, error) {
	if err := h.rebuildingErr(); err != nil {
		return nil, err
	}
	if h.pair != nil && len(h.stale) == 0 {
		return h.pair, nil
	}
	if h.tree == nil {
		t, err := h.doc.Tree()
		if err != nil {
			return nil, err
		}
		h.tree = t
		if h.reads != nil {
			h.reads.Add(1)
		}
	}
	p, err := mentoring.Refresh(h.pair, h.tree, h.stale)
	if err != nil {
		h.forget() // Refresh may have shared memory with pair: never reuse it
		return nil, err
	}
	h.pair, h.stale = p, nil
	return p, nil
}

// forget drops the cache, so the next read is from the document.
func (h *handle) forget() { h.tree, h.pair, h.stale = nil, nil, nil }

// refresh re-reads the records at paths into the cached tree after a local
// edit; on any doubt it forgets the cache instead.
func (h *handle) refresh(paths []crdt.Path) {
	if h.tree == nil {
		h.forget()
		return
	}
	if h.pair != nil {
		h.stale = append(h.stale, paths...)
	}
next:
	for _, p := range paths {
		v, ok, err := h.doc.ReadAt(p)
		if err != nil {
			h.forget()
			return
		}
		parent := h.tree
		for _, k := range p[:len(p)-1] {
			child, isMap := parent[k].(map[string]any)
			if !isMap {
				if !ok {
					continue next // nothing there, nothing cached
				}
				child = map[string]any{}
				parent[k] = child
			}
			parent = child
		}
		if ok {
			parent[p[len(p)-1]] = v
		} else {
			delete(parent, p[len(p)-1])
		}
	}
}

// Open opens (or creates) the data folder dir.
func Open(dir string, logf func(string, ...any)) (*Workspace, error) {
	return OpenWith(dir, Options{Logf: logf})
}

// Options tune a workspace.
type Options struct {
	// Logf receives diagnostics (never keys, tokens or pair content).
	Logf func(string, ...any)
	// InlineReports makes cohort reports on the goroutine of the change
	// that calls for them, as soon as it is done, instead of on the
	// reporter's own goroutine. Only for tests of a headless screen, whose
	// test driver runs screen updates on whatever goroutine asks.
	InlineReports bool
}

// OpenWith opens (or creates) the data folder dir with options.
func OpenWith(dir string, o Options) (*Workspace, error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	st, err := store.Open(dir, logf)
	if err != nil {
		return nil, err
	}
	w := &Workspace{st: st, logf: logf, Now: time.Now, docs: map[string]*handle{}, reported: map[string]reported{}}
	if err := w.openSettings(); err != nil {
		st.Close()
		return nil, err
	}
	if err := w.loadDeviceKey(); err != nil {
		st.Close()
		return nil, err
	}
	w.rep = newReporter(w, o.InlineReports)
	return w, nil
}

// Close closes the data folder. It waits for an edit or compaction in
// progress, and runs the compactions that were waiting for a pause, so the
// next start loads a snapshot instead of replaying every change.
func (w *Workspace) Close() error {
	w.rep.close() // writes the reports still due, while the store is open
	w.closed.Store(true)
	w.mu.Lock()
	hs := make([]*handle, 0, len(w.docs))
	for _, h := range w.docs {
		hs = append(hs, h)
	}
	w.mu.Unlock()
	for _, h := range hs {
		h.mu.Lock()
		if h.compact != nil {
			w.compactIfDue(h)
		}
		h.mu.Unlock()
	}
	return w.st.Close()
}

// Dir is the data folder.
func (w *Workspace) Dir() string { return w.st.Dir() }

// Store gives the sync engine access to the outbox and cursors.
func (w *Workspace) Store() *store.Store { return w.st }

// Settings returns the current settings.
func (w *Workspace) Settings() Settings {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.settings
}

// UpdateSettings changes the settings durably.
func (w *Workspace) UpdateSettings(fn func(s *Settings)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.settings
	fn(&s)
	if err := w.putSettings(w.settings, s); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	w.settings = s
	return nil
}

// Watch registers fn to be called (on the caller's goroutine of the change)
// whenever a pair changes, locally or from the relay.
func (w *Workspace) Watch(fn func(doc string)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watchers = append(w.watchers, fn)
}

func (w *Workspace) notify(doc string) {
	w.mu.Lock()
	ws := append([]func(string){}, w.watchers...)
	w.mu.Unlock()
	for _, fn := range ws {
		fn(doc)
	}
}

// IDs lists every document in the data folder: pairs and cohorts.
func (w *Workspace) IDs() ([]string, error) {
	ids, err := w.st.Docs()
	sort.Strings(ids)
	return ids, err
}

// ErrUnknownPair is returned for a pair ID this data folder does not hold.
var ErrUnknownPair = errors.New("no such pair here")

// get returns the open handle of a pair, loading it on first use.
func (w *Workspace) get(id string) (*handle, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if h, ok := w.docs[id]; ok {
		return h, nil
	}
	var meta Meta
	if err := w.st.Meta(id, &meta); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &IDError{ID: id, Want: ThingPair, Dir: w.st.Dir()}
		}
		return nil, err
	}
	if err := w.vault.open(&meta); err != nil {
		return nil, err
	}
	doc, err := w.load(meta)
	if err != nil {
		if doc, err = w.rebuild(&meta, err); err != nil {
			return nil, err
		}
	}
	h := &handle{doc: doc, meta: meta, kind: meta.Kind, reads: &w.counts.wholeReads}
	if !meta.Registered {
		w.finishRebuildNow(h) // the relay never had it: the outbox holds it all
	}
	w.docs[id] = h
	return h, nil
}

func (w *Workspace) load(meta Meta) (*crdt.Doc, error) {
	snap, chunks, err := w.st.Load(meta.ID)
	if err != nil {
		return nil, err
	}
	var doc *crdt.Doc
	if snap != nil {
		doc, err = crdt.Load(snap, meta.Actor)
	} else {
		doc, err = crdt.New(meta.Actor)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the saved copy of pair %s cannot be read (%v); move the data folder %s aside and sync the pair again from the relay", store.ErrCorrupt, meta.ID, err, w.st.Dir())
	}
	if doc, _, err = mergeChunks(doc, chunks); err != nil {
		return nil, fmt.Errorf("%w: in the saved copy of pair %s, %v; move the data folder %s aside and sync the pair again from the relay", store.ErrCorrupt, meta.ID, err, w.st.Dir())
	}
	return doc, nil
}

// mergeChunks merges chunks into doc in order and returns the result (see
// mergeChunk) and the chunks as merged: each run of changes goes to
// Automerge in one call, far quicker than one call per edit, and comes
// back as one chunk. An error names the piece that could not be read.
func mergeChunks(doc *crdt.Doc, chunks []store.Chunk) (*crdt.Doc, []store.Chunk, error) {
	var merged []store.Chunk
	for i := 0; i < len(chunks); {
		j := i + 1
		if chunks[i].Kind == store.Changes {
			for j < len(chunks) && chunks[j].Kind == store.Changes {
				j++
			}
		}
		if j-i > 1 {
			run := store.Chunk{Kind: store.Changes, Data: concat(chunks[i:j])}
			if doc.ApplyChanges(run.Data) == nil {
				merged = append(merged, run)
				i = j
				continue
			}
		}
		for ; i < j; i++ { // one at a time, to name the piece that fails
			var err error
			if doc, err = mergeChunk(doc, chunks[i]); err != nil {
				return nil, nil, fmt.Errorf("piece %d cannot be read: %v", i, err)
			}
			merged = append(merged, chunks[i])
		}
	}
	return doc, merged, nil
}

func concat(chunks []store.Chunk) []byte {
	n := 0
	for _, c := range chunks {
		n += len(c.Data)
	}
	b := make([]byte, 0, n)
	for _, c := range chunks {
		b = append(b, c.Data...)
	}
	return b
}

// mergeChunk merges a stored or received chunk into doc and returns the
// result, which for a whole document may be a new one (see
// crdt.MergeSavedInto).
func mergeChunk(doc *crdt.Doc, c store.Chunk) (*crdt.Doc, error) {
	if c.Kind == store.Document {
		return crdt.MergeSavedInto(doc, c.Data)
	}
	return doc, doc.ApplyChanges(c.Data)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("workspace: no system randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// ErrUnsynced is returned when removing a document would lose changes the
// relay has not acknowledged yet.
var ErrUnsynced = errors.New("not synced yet")

// Remove deletes a pair, or a cohort (its programme and board), from this
// computer: the partner's and the relay's copies stay as they are, and
// joining again from an invite brings it back. Unless force is set it
// refuses while changes made here have not reached the relay, since they
// would be lost for good.
func (w *Workspace) Remove(id string, force bool) error {
	h, err := w.get(id)
	if err != nil {
		return err
	}
	ids := []string{id}
	switch h.kind {
	case mentoring.KindBoard:
		return fmt.Errorf("%w: %s is a cohort's board; remove the cohort itself", ErrUnknownPair, id)
	case mentoring.KindProgramme:
		ids = append(ids, boardID(id))
	}
	if !force {
		var pending uint64
		for _, d := range ids {
			if st, err := w.st.State(d); err == nil {
				pending += st.Pending()
			}
		}
		if pending > 0 {
			return fmt.Errorf("%w: %d changes made here have not reached the relay, and removing now would lose them. Sync first, or choose to remove anyway (--force on the command line)", ErrUnsynced, pending)
		}
	}
	if h.kind == "" {
		// The pair's report on its cohort's board would go stale with no
		// one here to keep it: take it off (a partner still in the cohort
		// puts it back with their next change).
		if p, err := w.Pair(id); err == nil && p.Cohort != "" {
			if err := w.dropReport(p.Cohort, id); err != nil {
				w.logf("take pair %s off its cohort's board: %v", id, err)
			}
		}
	}
	for _, d := range ids {
		w.mu.Lock()
		dh := w.docs[d]
		w.mu.Unlock()
		if dh != nil {
			// Wait for an edit or compaction in progress, and keep the
			// handle until the store has let go of the document, so no one
			// loads it again from disk meanwhile.
			dh.mu.Lock()
			if dh.compact != nil {
				dh.compact.Stop()
				dh.compact = nil
			}
		}
		err := w.st.Remove(d)
		if err == nil {
			w.mu.Lock()
			delete(w.docs, d)
			delete(w.reported, d)
			w.mu.Unlock()
		}
		if dh != nil {
			dh.mu.Unlock()
		}
		if err != nil {
			return err
		}
	}
	w.notify(id)
	return nil
}
