package workspace

import (
	"time"

	"pairwise/app/store"
)

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
	// Keyring says whether pair keys are sealed with a vault key kept in
	// the OS keyring. The zero value, KeyringAuto, uses one where the
	// desktop has one.
	Keyring KeyringUse

	// When a pair's chunks are folded into a snapshot (see maybeCompact):
	// once it has been left alone for CompactIdle, or at once past
	// CompactChunksHard chunks or CompactBytesHard bytes. Zero takes the
	// default; tests set them so they need not wait or write megabytes.
	CompactIdle       time.Duration
	CompactChunksHard int
	CompactBytesHard  int64

	// Memory keeps the store in memory (store.OpenInMemory): nothing
	// survives Close. Only for the load tool's many client machines.
	Memory bool

	// Test hooks; nil runs none.
	purge      func(*store.Store) error // replaces store.Purge; tests interrupt it
	beforeLoad func(id string)          // runs in get before a document is read from the store
}

// KeyringUse says whether to use the OS keyring (Options.Keyring).
type KeyringUse int

// Keyring uses.
const (
	KeyringAuto KeyringUse = iota // where the desktop has one (see desktopKeyring)
	KeyringOn
	KeyringOff
)

// withDefaults fills in the options left at zero.
func (o Options) withDefaults() Options {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.CompactIdle == 0 {
		o.CompactIdle = time.Second
	}
	if o.CompactChunksHard == 0 {
		o.CompactChunksHard = 4096
	}
	if o.CompactBytesHard == 0 {
		o.CompactBytesHard = 8 << 20
	}
	if o.purge == nil {
		o.purge = (*store.Store).Purge
	}
	if o.beforeLoad == nil {
		o.beforeLoad = func(string) {}
	}
	return o
}

// useKeyring reports whether to try the OS keyring.
func (o Options) useKeyring() bool {
	switch o.Keyring {
	case KeyringOn:
		return true
	case KeyringOff:
		return false
	}
	return desktopKeyring()
}

// OpenWith opens (or creates) the data folder dir with options.
func OpenWith(dir string, o Options) (*Workspace, error) {
	o = o.withDefaults()
	logf := o.Logf
	open := store.Open
	if o.Memory {
		open = store.OpenInMemory
	}
	st, err := open(dir, logf)
	if err != nil {
		return nil, err
	}
	w := &Workspace{st: st, opts: o, logf: logf, docs: map[string]*handle{}, loads: map[string]*loading{}, previews: map[string]preview{}, revisions: map[string]uint64{}, reported: map[string]reported{}}
	st.OnQueued(w.queued)
	w.SetNow(time.Now)
	if err := w.openSettings(); err != nil {
		st.Close()
		return nil, err
	}
	if err := w.loadDeviceKey(); err != nil {
		st.Close()
		return nil, err
	}
	if err := w.loadPending(); err != nil {
		st.Close()
		return nil, err
	}
	w.rep = newReporter(w, o.InlineReports)
	w.saver = newSaver(w)
	return w, nil
}

// Close closes the data folder. It waits for an edit, compaction or
// background load in progress, and runs the compactions that were waiting
// for a pause, so the next start loads a snapshot instead of replaying
// every change, and can show each pair from its view (preview.go).
func (w *Workspace) Close() error {
	if w.closed.Load() {
		return nil
	}
	w.saver.close() // writes what arrived early, while the store is open
	w.rep.close()   // writes the reports still due, while the store is open
	w.mu.Lock()
	w.closed.Store(true) // under mu: no background load starts after this
	w.mu.Unlock()
	w.bg.Wait()
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
		w.saveView(h, nil) // so the next start shows the pair without loading it
		h.mu.Unlock()
	}
	return w.st.Close()
}
