package workspace

import (
	"errors"
	"sync"
	"sync/atomic"

	"pairwise/app/mentoring"
)

// The reporter keeps cohort boards current, on a goroutine of its own:
// never on the path of an edit or of a received change. Changes mark their
// document; the reporter takes every marked document at once, so a burst
// of changes to one pair costs one report. A pair in no cohort costs one
// read of its cohort link, never a read of the whole pair.
type reporter struct {
	w *Workspace

	mu     sync.Mutex
	idle   *sync.Cond
	dirty  map[string]bool
	busy   bool
	closed bool
	inline bool // report on the caller's goroutine (Options.InlineReports)
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

func newReporter(w *Workspace, inline bool) *reporter {
	r := &reporter{w: w, inline: inline, dirty: map[string]bool{}, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	r.idle = sync.NewCond(&r.mu)
	if inline {
		close(r.done)
		return r
	}
	go r.run()
	return r
}

// mark asks for a document's reports to be brought up to date.
func (r *reporter) mark(id string) {
	if r.inline {
		r.w.report(id)
		return
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.dirty[id] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reporter) run() {
	defer close(r.done)
	for {
		select {
		case <-r.wake:
			r.pass()
		case <-r.stop:
			r.pass()
			return
		}
	}
}

// pass reports every marked document, until none is marked.
func (r *reporter) pass() {
	for {
		r.mu.Lock()
		if len(r.dirty) == 0 {
			r.busy = false
			r.idle.Broadcast()
			r.mu.Unlock()
			return
		}
		batch := r.dirty
		r.dirty, r.busy = map[string]bool{}, true
		r.mu.Unlock()
		for id := range batch {
			r.w.report(id)
		}
	}
}

// settle waits until every change marked so far is reported.
func (r *reporter) settle() {
	r.mu.Lock()
	for r.busy || len(r.dirty) > 0 {
		r.idle.Wait()
	}
	r.mu.Unlock()
}

// close reports what is marked and stops; later marks are dropped.
func (r *reporter) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.mu.Unlock()
	if !r.inline {
		close(r.stop)
	}
	<-r.done
}

// SettleReports waits until the cohort reports of every change made or
// received so far are written. The sync engine calls it before a one-off
// sync, so the reports go out with it; tests call it before reading a
// board.
func (w *Workspace) SettleReports() { w.rep.settle() }

// afterChange marks a changed document for the reporter.
func (w *Workspace) afterChange(id string) { w.rep.mark(id) }

// Counts are operation counts kept for tests and diagnostics: they guard
// against work that grows with a pair's history creeping onto the edit or
// receive path, which no clock-based test would catch.
type Counts struct {
	WholeReads  int64 // whole-document reads into the typed cache
	BoardWrites int64 // reports written to a cohort's board
	Loads       int64 // documents read whole from the store into Automerge
	Lists       int64 // summaries of every pair (List)
	DiskSyncs   int64 // the store's disk syncs
}

type counters struct{ wholeReads, boardWrites, loads, lists atomic.Int64 }

// Counts returns the operation counts since the folder was opened.
func (w *Workspace) Counts() Counts {
	return Counts{WholeReads: w.counts.wholeReads.Load(), BoardWrites: w.counts.boardWrites.Load(), Loads: w.counts.loads.Load(), Lists: w.counts.lists.Load(),
		DiskSyncs: w.st.Syncs()}
}

// report keeps cohort boards current. After a change to a pair it
// reports the pair's health (or takes the report off, if the pair left its
// cohort). When a board arrives or changes, another member's app may have
// written older facts, or put back the report of a pair that has left: it
// checks every pair of this machine against the board itself. Failures
// only delay a report, so they are logged.
func (w *Workspace) report(id string) {
	meta, err := w.Meta(id)
	if err != nil {
		return
	}
	switch meta.Kind {
	case "":
		cohort, err := w.cohortOf(id)
		if err != nil {
			return
		}
		w.mu.Lock()
		_, known := w.reported[id]
		w.mu.Unlock()
		if cohort == "" && !known {
			return // in no cohort, and never reported: nothing to do
		}
		if err := w.reportHealth(id); err != nil {
			w.logf("report the health of pair %s to its cohort: %v", id, err)
		}
	case mentoring.KindBoard:
		ids, _ := w.PairIDs()
		for _, pair := range ids {
			cohort, err := w.cohortOf(pair)
			if err != nil {
				continue
			}
			if cohort == meta.Cohort {
				w.forgetReported(pair)
				err = w.reportHealth(pair)
			} else {
				err = w.dropStale(meta.Cohort, pair)
			}
			if err != nil {
				w.logf("report the health of pair %s to its cohort: %v", pair, err)
			}
		}
	}
}

// cohortOf reads just a pair's cohort link.
func (w *Workspace) cohortOf(id string) (string, error) {
	h, err := w.get(id)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return mentoring.ReadCohort(h.doc)
}

// forgetReported drops what this app remembers of a pair's report, so the
// next report reads the board itself.
func (w *Workspace) forgetReported(pair string) {
	w.mu.Lock()
	delete(w.reported, pair)
	w.mu.Unlock()
}

// reported is what this app last saw of a pair's report on a board.
type reported struct {
	cohort string
	report mentoring.Report
}

// reportHealth brings the pair's report on its cohort's board up to date.
// It writes only when a fact changed, and remembers what it last saw on
// the board, so an edit that changes none (most do not) costs no board
// read. A pair that left its cohort has its report taken off. Reports are
// made one at a time, so an older view of the pair never overwrites a newer
// one.
func (w *Workspace) reportHealth(pair string) error {
	w.reportMu.Lock()
	defer w.reportMu.Unlock()
	p, err := w.Pair(pair)
	if errors.Is(err, mentoring.ErrNotReady) {
		return nil // reported once it arrives
	}
	if err != nil {
		return err
	}
	w.mu.Lock()
	last, known := w.reported[pair]
	w.mu.Unlock()
	if known && last.cohort != p.Cohort {
		w.forgetReported(pair)
		err := w.onReport(last.cohort, pair, mentoring.RemoveReport)
		if err != nil && !errors.Is(err, errBoardNotHere) {
			return err
		}
		known = false
	}
	if p.Cohort == "" {
		return nil
	}
	if _, err := w.cohortMeta(p.Cohort); errors.Is(err, ErrUnknownCohort) {
		return nil // the partner's cohort, which this machine has not joined
	} else if err != nil {
		return err
	}
	r, err := w.healthOf(pair, p)
	if err != nil {
		return err
	}
	if known && mentoring.SameFacts(last.report, r) {
		return nil
	}
	err = w.onReport(p.Cohort, pair, func(old *mentoring.Report) (mentoring.Edit, bool) { return mentoring.PutReport(old, r, w.Now()) })
	switch {
	case errors.Is(err, errBoardNotHere):
		return nil // reported when the board arrives
	case err == nil:
		w.mu.Lock()
		w.reported[pair] = reported{p.Cohort, r}
		w.mu.Unlock()
	}
	return err
}

// onReport changes a pair's report on a cohort's board, if the board has
// arrived; change gets the report the board shows now, or nil.
func (w *Workspace) onReport(cohort, pair string, change func(old *mentoring.Report) (mentoring.Edit, bool)) error {
	if _, err := w.cohortMeta(cohort); err != nil {
		return err
	}
	bid := boardID(cohort)
	h, err := w.get(bid)
	if err != nil {
		return err
	}
	h.mu.Lock()
	old, ready, err := mentoring.BoardReport(h.doc, pair)
	if err == nil && !ready {
		h.mu.Unlock()
		return errBoardNotHere
	}
	edit, ok := mentoring.Edit{}, false
	if err == nil {
		edit, ok = change(old)
		if ok {
			err = w.commit(h, edit)
		}
	}
	h.mu.Unlock()
	if err != nil || !ok {
		return err
	}
	w.counts.boardWrites.Add(1)
	w.notify(bid)
	return nil
}

// errBoardNotHere: the board has not arrived yet; reports wait for it.
var errBoardNotHere = errors.New("the cohort's board has not arrived yet")

// dropStale takes off a board the report of a pair that is not in its
// cohort (any more), if one is there.
func (w *Workspace) dropStale(cohort, pair string) error {
	w.reportMu.Lock()
	defer w.reportMu.Unlock()
	if c, err := w.cohortOf(pair); err != nil || c == cohort {
		return err
	}
	err := w.onReport(cohort, pair, mentoring.RemoveReport)
	if errors.Is(err, errBoardNotHere) {
		return nil
	}
	return err
}
