package workspace

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/report"
)

// Summary is one line of the pair list.
type Summary struct {
	ID       string
	Title    string
	Partner  string // the other member's name, if they joined
	Ready    bool   // false until a joined pair has arrived from the relay
	ReadOnly bool
	Pending  uint64 // changes not yet acknowledged by the relay
	Unread   int    // the partner's messages not read here yet
	Closed   bool   // the relationship was closed and archived
	// Rebuilding: the saved copy was damaged and is being rebuilt from the
	// relay; Pair returns a RebuildingError that says so until it is.
	Rebuilding bool
}

// List summarises every pair in the data folder.
func (w *Workspace) List() ([]Summary, error) {
	ids, err := w.PairIDs()
	if err != nil {
		return nil, err
	}
	w.counts.lists.Add(1)
	out := make([]Summary, 0, len(ids))
	for _, id := range ids {
		s, err := w.Summary(id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Summary summarises one pair, as List does: a screen that lists pairs
// updates the one that changed with it instead of listing them all again.
func (w *Workspace) Summary(id string) (Summary, error) {
	var meta Meta
	var p *mentoring.Pair
	var err error
	if pv, ok := w.previewOf(id); ok { // a pair not loaded yet stays so
		meta, p = pv.meta, pv.pair
	} else if meta, err = w.Meta(id); err != nil {
		return Summary{}, err
	} else {
		p, err = w.Pair(id)
	}
	s := Summary{ID: id, Title: meta.Title, ReadOnly: meta.ReadOnly()}
	s.Pending = w.PendingIn(id)
	switch {
	case errors.Is(err, mentoring.ErrNotReady):
	case errors.Is(err, ErrRebuilding):
		s.Rebuilding = true
	case err != nil:
		return Summary{}, err
	default:
		s.Ready, s.Title, s.Closed = true, p.Title, p.IsClosed()
		for _, m := range p.Members {
			if m.ID != meta.Actor {
				s.Partner = m.Name
			}
		}
		s.Unread = unread(p, meta)
	}
	return s, nil
}

// Activity is one entry of a pair's activity feed.
type Activity struct {
	Who  string
	What string
	When time.Time
}

// History returns the pair's activity feed, newest first, with actors
// translated to member names.
func (w *Workspace) History(id string) ([]Activity, error) {
	h, err := w.get(id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	entries, err := h.doc.History()
	p, perr := h.read()
	h.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	out := make([]Activity, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if mentoring.IsPresence(e.Message) {
			continue // when an app synced is shown apart (see Heard), not as activity
		}
		who := "Someone"
		if m, ok := p.Member(crdt.MemberOf(e.Actor)); ok {
			who = m.Name
		}
		out = append(out, Activity{Who: who, What: e.Message, When: e.Time})
	}
	// Newest first by the time each change was made: after a merge the
	// partner's changes need not come last in causal order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].When.After(out[j].When) })
	return out, nil
}

// Export writes the pair in the given format: "json", "md", "ics" or "pdf".
func (w *Workspace) Export(id, format string, out io.Writer) error {
	p, err := w.Pair(id)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return mentoring.ExportJSON(out, p)
	case "md", "markdown":
		return mentoring.ExportMarkdown(out, p)
	case "ics":
		me, err := w.Me(id)
		if err != nil {
			return err
		}
		return mentoring.ExportICS(out, p, me, w.Now())
	case "pdf":
		return report.PDF(out, p, w.Now())
	}
	return fmt.Errorf("cannot export as %q: choose json, md, ics or pdf", format)
}
