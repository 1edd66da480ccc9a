package workspace

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
)

// ShortChange is how many hex digits of a change's ID the history shows:
// enough to be unique in any real pair's history, few enough to type.
const ShortChange = 8

// maxSignCandidates bounds how many of a member's signing changes
// SinceSigned reads the past at, newest first: each read costs about a
// load of the document.
const maxSignCandidates = 8

// Change is one entry of a pair's version history.
type Change struct {
	ID   string    `json:"id"` // the change's full hash
	Who  string    `json:"who"`
	What string    `json:"what"`
	When time.Time `json:"when"`
}

// Short is the prefix of the change's ID the history shows and the
// commands take.
func (c Change) Short() string { return c.ID[:min(ShortChange, len(c.ID))] }

// pairHandle returns the open handle of a pair, refusing a cohort.
func (w *Workspace) pairHandle(id string) (*handle, error) {
	h, err := w.get(id)
	if err != nil {
		return nil, err
	}
	if h.kind != "" {
		return nil, w.notAPair(id)
	}
	return h, nil
}

// Timeline returns the pair's changes, newest first, each with the name of
// the member who made it, at most limit of them (0 for all) and how many
// there are in all. When each app synced is not a version and is left out.
func (w *Workspace) Timeline(id string, limit int) ([]Change, int, error) {
	h, err := w.pairHandle(id)
	if err != nil {
		return nil, 0, err
	}
	h.mu.Lock()
	entries, err := h.doc.History()
	p, perr := h.read()
	h.mu.Unlock()
	if err = errors.Join(err, perr); err != nil {
		return nil, 0, err
	}
	out := make([]Change, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		if !mentoring.IsPresence(entries[i].Message) {
			out = append(out, changeOf(p, entries[i]))
		}
	}
	// Newest first by when each was made: after a merge the partner's
	// changes need not come last in causal order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].When.After(out[j].When) })
	n := len(out)
	if limit > 0 && n > limit {
		out = out[:limit]
	}
	return out, n, nil
}

func changeOf(p *mentoring.Pair, e crdt.Entry) Change {
	who := "Someone"
	if m, ok := p.Member(crdt.MemberOf(e.Actor)); ok {
		who = m.Name
	}
	return Change{ID: e.Hash, Who: who, What: e.Message, When: e.Time}
}

// PairAt returns the pair as it was right after the change that ref names
// (its ID or a prefix of it, as the history shows), and that change. It
// reads a copy of the document cut at that change: the pair itself is not
// touched. An unknown or ambiguous ref is refused with a sentence.
func (w *Workspace) PairAt(id, ref string) (*mentoring.Pair, Change, error) {
	h, err := w.pairHandle(id)
	if err != nil {
		return nil, Change{}, err
	}
	h.mu.Lock()
	old, e, err := h.at(ref)
	var p *mentoring.Pair
	if err == nil {
		p, err = h.read()
	}
	h.mu.Unlock()
	if err != nil {
		return nil, Change{}, err
	}
	was, err := mentoring.Read(old)
	if err != nil {
		return nil, Change{}, fmt.Errorf("read the pair as it was at change %s: %w", ref, err)
	}
	return was, changeOf(p, e), nil
}

// at forks the document at the change ref names. The caller holds h.mu.
func (h *handle) at(ref string) (*crdt.Doc, crdt.Entry, error) {
	if err := h.rebuildingErr(); err != nil {
		return nil, crdt.Entry{}, err
	}
	hash, err := h.doc.ResolveChange(ref)
	if err != nil {
		return nil, crdt.Entry{}, err
	}
	e, err := h.doc.Entry(hash)
	if err != nil {
		return nil, crdt.Entry{}, err
	}
	old, err := h.doc.At(hash)
	return old, e, err
}

// Restore writes the part of the pair as it was right after the change
// ref names, as a new change on top of the current state: every version
// stays in the history, and its message tells the partner who restored
// what and from when. It returns that new change.
func (w *Workspace) Restore(id string, part mentoring.Part, ref string) (Change, error) {
	old, from, err := w.PairAt(id, ref)
	if err != nil {
		return Change{}, err
	}
	if _, err := w.Edit(id, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.Restore(p, old, part, from.When)
	}); err != nil {
		return Change{}, err
	}
	return w.ownHead(id)
}

// ownHead returns the change this replica made last: the head of the
// document written by its actor.
func (w *Workspace) ownHead(id string) (Change, error) {
	h, err := w.pairHandle(id)
	if err != nil {
		return Change{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.read()
	if err != nil {
		return Change{}, err
	}
	for _, hash := range h.doc.Heads() {
		if e, err := h.doc.Entry(hash); err == nil && e.Actor == h.doc.Actor() {
			return changeOf(p, e), nil
		}
	}
	return Change{}, fmt.Errorf("the change just made is not among the pair's latest: reopen the pair and look at 'pairwise history'")
}

// ErrNotSigned is returned by SinceSigned for a member who has not signed
// the agreement.
var ErrNotSigned = errors.New("the agreement has not been signed by this member yet, so there is no signed version to compare with; sign it with 'pairwise agreement sign PAIR'")

// Signed is what changed in the agreement since a member signed it.
type Signed struct {
	Signature mentoring.Signature `json:"signature"`
	// Change is the change in which they signed.
	Change Change `json:"change"`
	// Changes lists, field by field, the differences from the version
	// signed to the current one; empty when it is still that version.
	Changes []mentoring.FieldChange `json:"changes"`
}

// SinceSigned compares the agreement the member signed with the current
// one. The version signed is found in the history: the member's newest
// signing change whose agreement has the fingerprint their signature
// records.
func (w *Workspace) SinceSigned(id, member string) (Signed, error) {
	h, err := w.pairHandle(id)
	if err != nil {
		return Signed{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.read()
	if err != nil {
		return Signed{}, err
	}
	var sig *mentoring.Signature
	for i, s := range p.Agreement.Signatures {
		if s.Member == member {
			sig = &p.Agreement.Signatures[i]
		}
	}
	if sig == nil {
		return Signed{}, ErrNotSigned
	}
	entries, err := h.doc.History()
	if err != nil {
		return Signed{}, err
	}
	tried := 0
	for i := len(entries) - 1; i >= 0 && tried < maxSignCandidates; i-- {
		e := entries[i]
		if e.Message != mentoring.SignMsg || crdt.MemberOf(e.Actor) != member {
			continue
		}
		tried++
		old, err := h.doc.At(e.Hash)
		if err != nil {
			return Signed{}, err
		}
		was, err := mentoring.Read(old)
		if err != nil || was.Agreement.Version() != sig.Version {
			continue
		}
		return Signed{Signature: *sig, Change: changeOf(p, e), Changes: mentoring.DiffAgreement(was.Agreement, p.Agreement)}, nil
	}
	return Signed{}, fmt.Errorf("the version of the agreement signed on %s is not in this pair's history (it may come from a newer copy): sync, then try again", sig.At.Local().Format(mentoring.DateLayout))
}
