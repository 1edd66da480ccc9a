package workspace

import (
	"errors"

	"pairwise/app/mentoring"
)

// Health reports: each pair's app keeps the pair's report on its cohort's
// board current; the reporter (reporter.go) makes them, this takes one off.

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
