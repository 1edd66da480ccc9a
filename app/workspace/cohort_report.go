package workspace

import (
	"errors"

	"pairwise/app/mentoring"
)

// Health reports: each pair's app keeps the pair's report on its cohort's
// board current (see cohort.go for cohorts themselves).

// dropReport takes a pair's report off a cohort's board, if it is there.
func (w *Workspace) dropReport(cohort, pair string) error {
	w.reportMu.Lock()
	defer w.reportMu.Unlock()
	w.forgetReported(pair)
	err := w.onReport(cohort, pair, mentoring.RemoveReport)
	if errors.Is(err, errBoardNotHere) || errors.Is(err, ErrUnknownCohort) {
		return nil // nothing there to take off
	}
	return err
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
	w.notify(bid)
	return nil
}

// errBoardNotHere: the board has not arrived yet; reports wait for it.
var errBoardNotHere = errors.New("the cohort's board has not arrived yet")

// afterChange keeps cohort boards current. After a change to a pair it
// reports the pair's health (or takes the report off, if the pair left its
// cohort). When a board arrives or changes, another member's app may have
// written older facts, or put back the report of a pair that has left: it
// checks every pair of this machine against the board itself. Failures
// only delay a report, so they are logged.
func (w *Workspace) afterChange(id string) {
	meta, err := w.Meta(id)
	if err != nil {
		return
	}
	switch meta.Kind {
	case "":
		if err := w.reportHealth(id); err != nil {
			w.logf("report the health of pair %s to its cohort: %v", id, err)
		}
	case mentoring.KindBoard:
		ids, _ := w.PairIDs()
		for _, pair := range ids {
			p, err := w.Pair(pair)
			if err != nil {
				continue
			}
			if p.Cohort == meta.Cohort {
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

// dropStale takes off a board the report of a pair that is not in its
// cohort (any more), if one is there.
func (w *Workspace) dropStale(cohort, pair string) error {
	w.reportMu.Lock()
	defer w.reportMu.Unlock()
	if p, err := w.Pair(pair); err != nil || p.Cohort == cohort {
		return err
	}
	err := w.onReport(cohort, pair, mentoring.RemoveReport)
	if errors.Is(err, errBoardNotHere) {
		return nil
	}
	return err
}
