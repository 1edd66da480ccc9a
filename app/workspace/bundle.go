package workspace

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"pairwise/app/bundle"
	"pairwise/app/crdt"
)

// Sync by file: a pair's changes saved to a file (bundle.Write) on one
// machine and merged from it on another, where no relay reaches. The file
// carries Automerge changes, so each keeps its author's actor and merging
// one twice changes nothing; importing files in any order, twice, or
// crossing one going the other way all converge.
//
// "Since the partner" is decided from the files themselves: each file
// names the heads its exporter had, and importing it records them for that
// device (Meta.PartnerHeads). Exporting since the partner then carries the
// changes not covered by the heads of every device a file came from; with
// no file received yet, or heads this machine cannot place, it carries
// everything. Too much is harmless, too little is not.

// BundleSummary says what a file of changes held or brought.
type BundleSummary struct {
	Pair    string
	Title   string
	Changes int       // changes in the file
	New     int       // of them, the ones this machine did not have
	Authors []string  // names of the authors of the new changes (of all, if none was new)
	From    time.Time // time of the earliest of those changes
	To      time.Time // and of the latest
}

// ExportBundle returns a file of the pair's changes, sealed with the
// pair's key and signed by this device: every change, or with
// sincePartner only those a partner is not known to hold.
func (w *Workspace) ExportBundle(id string, sincePartner bool) ([]byte, BundleSummary, error) {
	if w.deviceErr != nil {
		return nil, BundleSummary{}, w.deviceErr
	}
	h, err := w.get(id)
	if err != nil {
		return nil, BundleSummary{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	meta := h.meta
	if meta.Kind != "" {
		return nil, BundleSummary{}, w.notAPair(id)
	}
	wr := meta.Writers()
	if wr == nil {
		return nil, BundleSummary{}, ErrBundleUnsigned
	}
	if _, ok := wr.Writer(w.device.ID()); !ok {
		return nil, BundleSummary{}, ErrBundleReader
	}
	changes, _ := h.doc.ChangesSince(nil)
	if sincePartner && len(meta.PartnerHeads) > 0 {
		changes = since(h.doc, meta.PartnerHeads, changes)
	}
	c := bundle.Contents{Heads: h.doc.Heads(), Certs: wr.Certs()}
	raw, _ := hex.DecodeString(meta.ID)
	copy(c.Pair[:], raw)
	sum := BundleSummary{Pair: id, Title: meta.Title, Changes: len(changes), New: len(changes)}
	actors := map[string]bool{}
	for i, ch := range changes {
		c.Changes = append(c.Changes, ch.Raw)
		if i == 0 || ch.Time.Before(c.From) {
			c.From = ch.Time
		}
		if ch.Time.After(c.To) {
			c.To = ch.Time
		}
		actors[crdt.MemberOf(ch.Actor)] = true
	}
	sum.From, sum.To = c.From, c.To
	sum.Authors = names(h, actors)
	var key [32]byte
	copy(key[:], meta.Key)
	file, err := bundle.Write(key, w.device, c)
	if err != nil {
		return nil, BundleSummary{}, err
	}
	return file, sum, nil
}

// since keeps the changes of all that some partner device is not known to
// hold. A device whose heads d cannot place gets everything.
func since(d *crdt.Doc, partners map[string][]string, all []crdt.Carried) []crdt.Carried {
	need := map[string]bool{}
	for _, heads := range partners {
		missing, ok := d.ChangesSince(heads)
		if !ok {
			return all
		}
		for _, m := range missing {
			need[m.Hash] = true
		}
	}
	var out []crdt.Carried
	for _, ch := range all {
		if need[ch.Hash] {
			out = append(out, ch)
		}
	}
	return out
}

// names returns the names of the members among the given member IDs, as
// the pair lists them; one that is not (yet) a member is "a partner".
func names(h *handle, members map[string]bool) []string {
	var out []string
	p, err := h.read()
	if err == nil {
		for _, m := range p.Members {
			if members[m.ID] {
				out = append(out, m.Name)
				delete(members, m.ID)
			}
		}
	}
	if len(members) > 0 {
		out = append(out, "a partner")
	}
	return out
}

// Why a file of changes is refused, besides bundle.ErrDamaged and
// bundle.ErrNewer. Nothing is changed by a refused file.
var (
	ErrBundleForeign   = errors.New("this file of changes is for a pair this computer does not hold")
	ErrBundleNotWriter = errors.New("this file of changes was saved by a device that may not change the pair")
	ErrBundleGap       = errors.New("this file of changes builds on changes this computer does not have yet")
	ErrBundleUnsigned  = errors.New("this pair was made before devices signed their changes, so it cannot travel by file")
	ErrBundleReader    = errors.New("you can read this pair but not change it, so your partner's computer would refuse a file saved here; your partner can save one for you")
)

func foreign(id string) error {
	return fmt.Errorf("%w (pair %s). Join the pair with an invite from your partner first, then open the file again", ErrBundleForeign, id)
}
