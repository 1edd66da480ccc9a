package crdt

import (
	"time"

	"github.com/automerge/automerge-go"
)

// Carried is one change of a document as it travels in a file of changes:
// its bytes (as Commit made them) and what a person is told about it.
type Carried struct {
	Hash  string
	Actor string
	Time  time.Time
	Raw   []byte
}

// ChangesSince returns the changes of d that a document whose heads are
// heads lacks, in causal order (every change of d for no heads). It
// reports false when one of heads is a change d has not seen, so d cannot
// tell what that document lacks.
func (d *Doc) ChangesSince(heads []string) ([]Carried, bool) {
	hs := make([]automerge.ChangeHash, 0, len(heads))
	for _, h := range heads {
		ch, err := automerge.NewChangeHash(h)
		if err != nil || !d.has(ch) {
			return nil, false
		}
		hs = append(hs, ch)
	}
	chs, err := d.am.Changes(hs...)
	if err != nil {
		return nil, false
	}
	out := make([]Carried, 0, len(chs))
	for _, c := range chs {
		out = append(out, Carried{Hash: c.Hash().String(), Actor: c.ActorID(), Time: c.Timestamp(), Raw: c.Save()})
	}
	return out, true
}

// HasChange reports whether d holds the change with the given hash.
func (d *Doc) HasChange(hash string) bool {
	ch, err := automerge.NewChangeHash(hash)
	return err == nil && d.has(ch)
}

// Describe returns the actor and time of the change with the given hash,
// and whether d holds it.
func (d *Doc) Describe(hash string) (actor string, at time.Time, ok bool) {
	ch, err := automerge.NewChangeHash(hash)
	if err != nil {
		return "", time.Time{}, false
	}
	c, err := d.am.Change(ch)
	if err != nil {
		return "", time.Time{}, false
	}
	return c.ActorID(), c.Timestamp(), true
}
