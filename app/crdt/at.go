package crdt

import (
	"errors"
	"fmt"
	"strings"

	"github.com/automerge/automerge-go"
)

// ErrUnknownChange is wrapped when a change ID names no change of the
// document.
var ErrUnknownChange = errors.New("unknown change ID")

// ErrAmbiguousChange is wrapped when a change ID prefix matches more than
// one change.
var ErrAmbiguousChange = errors.New("ambiguous change ID")

// MinChangePrefix is the shortest change ID prefix ResolveChange takes:
// shorter ones match too much of a long history to be worth typing.
const MinChangePrefix = 4

// ResolveChange returns the full hash of the one change whose hash starts
// with prefix (hex, any case). A prefix that is not hex, too short or too
// long, that matches nothing, or that matches several changes is refused
// with a sentence.
func (d *Doc) ResolveChange(prefix string) (string, error) {
	return d.resolveChange(prefix, MinChangePrefix)
}

func (d *Doc) resolveChange(prefix string, minLen int) (string, error) {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if len(prefix) < minLen || len(prefix) > 64 || strings.Trim(prefix, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: %q is not a change ID; copy one from 'pairwise history' (at least %d of its letters and digits)", ErrUnknownChange, prefix, minLen)
	}
	chs, err := d.am.Changes()
	if err != nil {
		return "", fmt.Errorf("crdt: read history: %w", err)
	}
	var found []string
	for _, c := range chs {
		if h := c.Hash().String(); strings.HasPrefix(h, prefix) {
			found = append(found, h)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: %q matches none of the pair's %d changes; 'pairwise history' lists them", ErrUnknownChange, prefix, len(chs))
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%w: %q starts %d of the pair's changes; give more of its letters and digits", ErrAmbiguousChange, prefix, len(found))
}

// At returns a separate, read-only-by-convention copy of the document as it
// was right after the change with the given full hash: that change and
// everything it builds on, nothing made after or beside it. d is not
// modified. It costs about as much as loading the document.
func (d *Doc) At(hash string) (*Doc, error) {
	h, err := automerge.NewChangeHash(hash)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a change hash", ErrUnknownChange, hash)
	}
	if _, err := d.am.Change(h); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownChange, hash)
	}
	am, err := d.am.Fork(h)
	if err != nil {
		return nil, fmt.Errorf("crdt: read the document at %s: %w", hash, err)
	}
	return &Doc{am: am}, nil
}

// Entry returns the history entry of the change with the given full hash.
func (d *Doc) Entry(hash string) (Entry, error) {
	h, err := automerge.NewChangeHash(hash)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %q is not a change hash", ErrUnknownChange, hash)
	}
	c, err := d.am.Change(h)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %s", ErrUnknownChange, hash)
	}
	return Entry{Hash: hash, Actor: c.ActorID(), Seq: c.ActorSeq(), Message: c.Message(), Time: c.Timestamp()}, nil
}
