package workspace

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/shared/seal"
)

// Cohorts. A manager creates a cohort: its programme document (written by
// the manager alone) and its board (written by every member's app). A
// member joins with the cohort's invite code and links a pair to it; from
// then on the member's app keeps the pair's health report on the board up
// to date, after every change to the pair. Both documents sync through the
// relay like pairs, sealed with the cohort's key.

// ErrNotManager is returned for a change to a cohort's programme by someone
// who joined it as a member.
var ErrNotManager = errors.New("only the cohort's manager can change its events, resources and roster")

// ErrUnknownCohort is returned for an ID that is not a cohort here.
var ErrUnknownCohort = errors.New("no such cohort here")

// CohortSummary is one line of the cohort list.
type CohortSummary struct {
	ID      string
	Title   string
	Manager bool // this machine runs the cohort
	Ready   bool // false until a joined cohort has arrived from the relay
	Pairs   int  // pairs reporting on its board
}

// NewCohort creates a cohort run by manager (the name members see) and
// returns its ID. With start and end dates its calendar opens with a
// kickoff, a mid-point review and a closing event.
func (w *Workspace) NewCohort(title, manager, start, end string) (string, error) {
	id := randomHex(16)
	edit, err := mentoring.NewProgramme(id, title, manager, start, end, w.Now())
	if err != nil {
		return "", err
	}
	key, write := seal.NewKey(), seal.NewSecret()
	relay := w.Settings().Relay
	caps := seal.DeriveCohortCaps(key)
	pm := Meta{ID: id, Kind: mentoring.KindProgramme, Key: key[:], Write: write[:], Read: caps.ProgrammeRead[:], Relay: relay, Title: title}
	w.selfRooted(&pm)
	bm := boardMeta(id, key, relay)
	w.boardAuthority(&bm, key)
	// The board first: a cohort whose programme exists always has its
	// board, so members never find nowhere to report.
	bm.Title = title
	if err := w.createDoc(bm, mentoring.NewBoard(id, title, w.Now())); err != nil {
		return "", fmt.Errorf("create the cohort's board: %w", err)
	}
	if err := w.createDoc(pm, edit); err != nil {
		return "", err
	}
	return id, nil
}

// boardMeta is what a cohort member knows about the cohort's board.
func boardMeta(programme string, key seal.Key, relay string) Meta {
	caps := seal.DeriveCohortCaps(key)
	return Meta{ID: boardID(programme), Kind: mentoring.KindBoard, Cohort: programme, Key: key[:], Write: caps.BoardWrite[:], Read: caps.BoardRead[:], Relay: relay}
}

// boardID is the ID of the board of the cohort programme.
func boardID(programme string) string {
	var pid [16]byte
	raw, _ := hex.DecodeString(programme)
	copy(pid[:], raw)
	bid := seal.BoardID(pid)
	return hex.EncodeToString(bid[:])
}

// createDoc makes a new document with edit as its first change, written as
// meta.Actor (a new actor if unset), stores it durably and marks it for
// creation on the relay.
func (w *Workspace) createDoc(meta Meta, edit mentoring.Edit) error {
	if meta.Actor == "" {
		meta.Actor = crdt.NewActor()
	}
	doc, err := crdt.New(meta.Actor)
	if err != nil {
		return err
	}
	if err := edit.Apply(doc); err != nil {
		return fmt.Errorf("%s: %w", edit.Msg, err)
	}
	change, err := doc.Commit(edit.Msg, w.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", edit.Msg, err)
	}
	if err := w.createStored(meta, change, true); err != nil {
		return err
	}
	w.mu.Lock()
	w.docs[meta.ID] = &handle{doc: doc, meta: meta, kind: meta.Kind, reads: &w.counts.wholeReads}
	w.mu.Unlock()
	w.notify(meta.ID)
	return nil
}

// CohortInvite returns the invite code members join the cohort with, or
// with manager set the code a co-manager (or the manager's other computer)
// joins with: it also carries the programme's write secret. Only a manager
// can make one.
func (w *Workspace) CohortInvite(id string, manager bool) (string, error) {
	meta, err := w.cohortMeta(id)
	if err != nil {
		return "", err
	}
	relay, err := w.inviteRelay(meta)
	if err != nil {
		return "", err
	}
	inv := seal.Invite{Relay: relay, Cohort: true, ReadOnly: !manager}
	raw, _ := hex.DecodeString(id)
	copy(inv.Doc[:], raw)
	copy(inv.Key[:], meta.Key)
	copy(inv.Root[:], meta.Root)
	if manager {
		if meta.ReadOnly() {
			return "", ErrNotManager
		}
		copy(inv.Secret[:], meta.Write)
		inv.Admit = w.admission(meta, inv.Doc)
	}
	return inv.String(), nil
}

// IsCohortInvite reports whether code reads as a cohort's invite code.
func IsCohortInvite(code string) bool {
	inv, err := seal.ParseInvite(code)
	return err == nil && inv.Cohort
}

// JoinCohort accepts a cohort's invite code and returns the cohort's ID.
// The programme and board arrive with the next sync.
func (w *Workspace) JoinCohort(code string) (string, error) {
	inv, err := seal.ParseInvite(code)
	if err != nil {
		return "", err
	}
	if !inv.Cohort {
		return "", ErrPairInvite
	}
	id := hex.EncodeToString(inv.Doc[:])
	if _, err := w.get(id); err == nil {
		return "", fmt.Errorf("you already have this cohort (%s) in %s", id, w.st.Dir())
	}
	caps := seal.DeriveCohortCaps(inv.Key)
	pm := Meta{ID: id, Kind: mentoring.KindProgramme, Actor: crdt.NewActor(), Key: inv.Key[:], Read: caps.ProgrammeRead[:], Relay: inv.Relay, Registered: true}
	if !inv.ReadOnly {
		pm.Write = inv.Secret[:] // a manager's invite
	}
	w.admitFromInvite(&pm, inv)
	bm := boardMeta(id, inv.Key, inv.Relay)
	w.boardAuthority(&bm, inv.Key)
	bm.Actor, bm.Registered = crdt.NewActor(), true
	if _, err := w.get(bm.ID); err != nil {
		if err := w.createStored(bm, nil, false); err != nil {
			return "", err
		}
	}
	if err := w.createStored(pm, nil, false); err != nil {
		return "", err
	}
	w.adoptRelay(inv.Relay)
	w.notify(id)
	return id, nil
}

// Cohorts lists the cohorts in the data folder.
func (w *Workspace) Cohorts() ([]CohortSummary, error) {
	ids, err := w.IDs()
	if err != nil {
		return nil, err
	}
	var out []CohortSummary
	for _, id := range ids {
		meta, err := w.Meta(id)
		if err != nil {
			return nil, err
		}
		if meta.Kind != mentoring.KindProgramme {
			continue
		}
		s := CohortSummary{ID: id, Title: meta.Title, Manager: !meta.ReadOnly()}
		if pr, err := w.Programme(id); err == nil {
			s.Ready, s.Title = true, pr.Title
		}
		if b, err := w.Board(id); err == nil {
			s.Pairs = len(b.Reports)
		}
		out = append(out, s)
	}
	return out, nil
}

// cohortMeta returns the metadata of the programme document id.
func (w *Workspace) cohortMeta(id string) (Meta, error) {
	meta, err := w.Meta(id)
	if errors.Is(err, ErrUnknownPair) {
		return Meta{}, &IDError{ID: id, Want: ThingCohort, Dir: w.st.Dir()}
	}
	if err != nil {
		return Meta{}, err
	}
	if meta.Kind != mentoring.KindProgramme {
		is := ThingPair
		if meta.Kind == mentoring.KindBoard {
			is = ThingBoard
		}
		return Meta{}, &IDError{ID: id, Want: ThingCohort, Is: is, Dir: w.st.Dir()}
	}
	return meta, nil
}

// tree reads a cohort document whole.
func (w *Workspace) tree(id string) (map[string]any, error) {
	h, err := w.get(id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.rebuildingErr(); err != nil {
		return nil, err
	}
	return h.doc.Tree()
}

// Programme reads a cohort's programme: events, resources, roster.
func (w *Workspace) Programme(id string) (*mentoring.Programme, error) {
	if _, err := w.cohortMeta(id); err != nil {
		return nil, err
	}
	t, err := w.tree(id)
	if err != nil {
		return nil, err
	}
	pr, err := mentoring.ReadProgramme(t)
	if errors.Is(err, mentoring.ErrNotReady) {
		return nil, fmt.Errorf("%w: this cohort has not arrived from the relay yet; sync once you are online", mentoring.ErrNotReady)
	}
	return pr, err
}

// Board reads the health reports of a cohort's pairs: all of them for the
// cohort's manager, and a member's own pairs for a member (the board is
// for the manager; a member sees what they report).
func (w *Workspace) Board(id string) (*mentoring.Board, error) {
	meta, err := w.cohortMeta(id)
	if err != nil {
		return nil, err
	}
	t, err := w.tree(boardID(id))
	if err != nil {
		return nil, err
	}
	b, err := mentoring.ReadBoard(t)
	if err != nil || !meta.ReadOnly() {
		return b, err
	}
	all := b.Reports
	b.Reports = b.Reports[:0:0]
	for _, r := range all {
		if h, err := w.get(r.Pair); err == nil && h.kind == "" {
			b.Reports = append(b.Reports, r)
		}
	}
	return b, nil
}

// EditCohort applies one change to a cohort's programme, durably; only the
// cohort's manager can. It returns the ID of whatever the edit created.
func (w *Workspace) EditCohort(id string, build func(pr *mentoring.Programme) (mentoring.Edit, error)) (string, error) {
	meta, err := w.cohortMeta(id)
	if err != nil {
		return "", err
	}
	if meta.ReadOnly() {
		return "", ErrNotManager
	}
	pr, err := w.Programme(id)
	if err != nil {
		return "", err
	}
	edit, err := build(pr)
	if err != nil {
		return "", err
	}
	h, err := w.get(id)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	err = w.commit(h, edit)
	h.mu.Unlock()
	if err != nil {
		return "", err
	}
	w.notify(id)
	return edit.ID, nil
}

// LinkPair puts a pair in a cohort. The link is part of the pair
// document, so the partner sees it, and the app of each member who holds
// the cohort reports the pair's health (rhythm, signatures, goal counts,
// never its content) on the cohort's board.
func (w *Workspace) LinkPair(pair, cohort string) error {
	if _, err := w.cohortMeta(cohort); err != nil {
		return err
	}
	_, err := w.Edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) { return mentoring.LinkCohort(p, cohort) })
	return err
}

// UnlinkPair takes a pair out of its cohort, for both members, and its
// report off the board.
func (w *Workspace) UnlinkPair(pair string) error {
	p, err := w.Pair(pair)
	if err != nil {
		return err
	}
	if p.Cohort == "" {
		return errors.New("this pair is not in a cohort")
	}
	cohort := p.Cohort
	if _, err := w.Edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) { return mentoring.LinkCohort(p, "") }); err != nil {
		return err
	}
	return w.dropReport(cohort, pair)
}

// PairIDs lists the mentoring pairs in the data folder (not cohorts).
func (w *Workspace) PairIDs() ([]string, error) {
	ids, err := w.IDs()
	if err != nil {
		return nil, err
	}
	out := ids[:0:0]
	for _, id := range ids {
		kind, err := w.kindOf(id)
		if err != nil {
			return nil, err
		}
		if kind == "" {
			out = append(out, id)
		}
	}
	return out, nil
}

// kindOf returns a document's kind from its metadata, without loading it.
func (w *Workspace) kindOf(id string) (string, error) {
	w.mu.Lock()
	h, ok := w.docs[id]
	w.mu.Unlock()
	if ok {
		return h.kind, nil
	}
	var meta Meta
	if err := w.st.Meta(id, &meta); err != nil {
		return "", err
	}
	return meta.Kind, nil
}

// ExportCohort writes a cohort's health table as CSV ("csv") or its
// calendar of events as iCalendar ("ics").
func (w *Workspace) ExportCohort(id, format string, out io.Writer) error {
	switch format {
	case "csv":
		b, err := w.Board(id)
		if err != nil {
			return err
		}
		return mentoring.ExportHealthCSV(out, b, w.Now())
	case "ics":
		pr, err := w.Programme(id)
		if err != nil {
			return err
		}
		return mentoring.ExportProgrammeICS(out, pr, w.Now())
	}
	return fmt.Errorf("cannot export a cohort as %q: choose csv (the pairs' health) or ics (the events)", format)
}
