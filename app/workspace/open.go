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
