package relay

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// UsageFileName is the usage report an OpReport request writes in the data
// folder, for `pairwise-relay doc list`.
const UsageFileName = "usage.json"

// UsageReport is every document's usage at a moment.
type UsageReport struct {
	Written time.Time  `json:"written"`
	Docs    []DocUsage `json:"documents"`
}

// DocUsage is one document's line in a UsageReport.
type DocUsage struct {
	Doc       string     `json:"doc"`
	Owner     string     `json:"owner"` // token ID; "" when unknown
	Records   int64      `json:"records"`
	Bytes     int64      `json:"bytes"`
	LastWrite *time.Time `json:"last_write,omitempty"`
}

// ReadUsageReport reads the last usage report.
func ReadUsageReport(dir string) (UsageReport, error) {
	var r UsageReport
	b, err := os.ReadFile(filepath.Join(dir, UsageFileName))
	if err != nil {
		return r, fmt.Errorf("cannot read the usage report: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("the usage report in %s is damaged (%v); run the command again", dir, err)
	}
	return r, nil
}

func writeUsageReport(dir string, acc relaystore.Accounting) error {
	b, err := json.MarshalIndent(UsageReportOf(acc), "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(dir, UsageFileName, append(b, '\n'))
}

// UsageReportOf is every document's usage in acc now.
func UsageReportOf(acc relaystore.Accounting) UsageReport {
	r := UsageReport{Written: time.Now().UTC().Truncate(time.Second), Docs: []DocUsage{}}
	for _, u := range acc.Usages() {
		du := DocUsage{Doc: hex.EncodeToString(u.Doc[:]), Owner: u.Owner, Records: u.Records, Bytes: u.Bytes}
		if !u.LastWrite.IsZero() {
			t := u.LastWrite.UTC().Truncate(time.Second)
			du.LastWrite = &t
		}
		r.Docs = append(r.Docs, du)
	}
	return r
}

// ParseDocID reads a document ID as `doc list` shows it.
func ParseDocID(s string) (wire.DocID, error) {
	var id wire.DocID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("%q is not a document ID; `pairwise-relay doc list --data DIR` shows them (32 hex digits)", s)
	}
	return wire.DocID(b), nil
}

// RunRequests carries out every queued request against a store no relay
// is serving, and records the outcomes.
func RunRequests(dir string, st relaystore.Accounting, log *slog.Logger) error {
	return runRequests(dir, st, st.DeleteDoc, log)
}

// runRequests carries out the queued requests, deleting through del.
func runRequests(dir string, acc relaystore.Accounting, del func(wire.DocID) error, log *slog.Logger) error {
	f, err := readRequests(dir)
	if err != nil || len(f.Requests) == 0 {
		return err
	}
	var done []Outcome
	for _, r := range f.Requests {
		o := Outcome{ID: r.ID}
		if err := runRequest(dir, r, acc, del, &o); err != nil {
			o.Err = err.Error()
			log.Warn("an admin request failed", "op", r.Op, "err", err)
		}
		done = append(done, o)
	}
	return editRequests(dir, func(f *requestFile) error {
		ran := map[string]bool{}
		for _, o := range done {
			ran[o.ID] = true
		}
		kept := f.Requests[:0]
		for _, r := range f.Requests {
			if !ran[r.ID] {
				kept = append(kept, r)
			}
		}
		f.Requests = kept
		f.Done = append(f.Done, done...)
		return nil
	})
}

// RunRequest carries out one request against a shared store at once,
// with no data folder and no queue (a usage report is not written to a
// file: `doc list` reads UsageReportOf instead).
func RunRequest(r Request, st relaystore.Accounting) (Outcome, error) {
	o := Outcome{ID: r.ID}
	if r.Op == OpReport {
		return o, nil
	}
	err := runRequest("", r, st, st.DeleteDoc, &o)
	return o, err
}

func runRequest(dir string, r Request, acc relaystore.Accounting, del func(wire.DocID) error, o *Outcome) error {
	switch r.Op {
	case OpReport:
		return writeUsageReport(dir, acc)
	case OpDelete:
		id, err := ParseDocID(r.Doc)
		if err != nil {
			return err
		}
		if err := del(id); errors.Is(err, relaystore.ErrNotFound) {
			return fmt.Errorf("the relay has no document %s", r.Doc)
		} else if err != nil {
			return err
		}
		o.Deleted = 1
		return nil
	case OpPurge:
		if r.Owner == "" {
			return errors.New("a purge names no token")
		}
		for _, u := range acc.Usages() {
			if u.Owner != r.Owner {
				continue
			}
			if err := del(u.Doc); err != nil && !errors.Is(err, relaystore.ErrNotFound) {
				return fmt.Errorf("deleted %d documents, then: %w", o.Deleted, err)
			}
			o.Deleted++
		}
		return nil
	}
	return fmt.Errorf("unknown request %q; update pairwise-relay", r.Op)
}

// WatchAdmin carries out requests queued in dir's request file, checking
// every interval until Shutdown.
func (s *Server) WatchAdmin(dir string, every time.Duration) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := runRequests(dir, s.store, s.deleteDoc, s.log); err != nil {
				s.log.Warn("cannot carry out admin requests", "err", err)
			}
			select {
			case <-s.connCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// deleteDoc deletes a document on the writer goroutine, so no commit is
// under way for it, and tells its subscribers.
func (s *Server) deleteDoc(id wire.DocID) error {
	var err error
	if !s.onWriter(func() { err = s.deleteDocNow(id) }) {
		return errors.New("the relay is shutting down; the request stays queued for its next start")
	}
	return err
}

func (s *Server) deleteDocNow(id wire.DocID) error {
	s.mu.Lock()
	s.deleting[id] = true
	d := s.docs[id]
	delete(s.docs, id)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.deleting, id)
		s.mu.Unlock()
	}()
	if d != nil {
		s.mu.Lock()
		s.docs[id] = d // forgetDoc takes it out again and tells its subscribers
		s.mu.Unlock()
		s.forgetDoc(id)
	}
	if err := s.store.DeleteDoc(id); err != nil {
		return err
	}
	s.log.Info("deleted a document at the admin's request", "doc", hex.EncodeToString(id[:]))
	return nil
}
