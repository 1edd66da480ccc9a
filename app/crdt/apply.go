package crdt

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/automerge/automerge-go"
)

// ErrNotApplied is wrapped when Automerge took change bytes without an
// error but the document does not hold every change they carried: it
// skips a chunk it cannot parse instead of saying so. It wraps ErrCorrupt.
var ErrNotApplied = fmt.Errorf("%w: not every change in it could be applied", ErrCorrupt)

// ApplyChanges merges change bytes produced by Commit (one change or
// several concatenated) from this or another replica, all or nothing.
// Changes already present are ignored; a change whose dependencies are
// missing is refused with ErrMissingDeps; garbage, compressed or
// oversized changes with ErrCorrupt (ErrTooLarge for size). After
// Automerge has applied them, every change the bytes carried must be in
// the document, or the call fails with ErrNotApplied. On any failure the
// document is left as it was.
func (d *Doc) ApplyChanges(raw []byte) error {
	d.objsMu.Lock()
	defer d.objsMu.Unlock()
	fresh := d.objs == nil
	if fresh {
		d.objs = d.readObjects()
	}
	l := newLayer(d.objs)
	changes, err := checkChunks(raw, l)
	if errors.Is(err, errObject) && !fresh {
		// The objects noted may lag behind the document (see noteMade):
		// read them again before refusing.
		d.objs = d.readObjects()
		l = newLayer(d.objs)
		changes, err = checkChunks(raw, l)
	}
	if err != nil {
		return err
	}
	heads := d.am.Heads()
	err = d.am.LoadIncremental(raw)
	switch {
	case err != nil && strings.Contains(err.Error(), "deps should already be"):
		err = fmt.Errorf("%w: %v", ErrMissingDeps, err)
	case err != nil:
		err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	default:
		err = d.verify(changes)
	}
	if err != nil {
		if rerr := d.rollback(heads); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	maps.Copy(d.objs, l.added)
	return nil
}

// readObjects reads the kinds of the document's objects from a saved copy.
// On a failure, which a copy Automerge saved cannot give, it returns what
// it read: a check then refuses what it cannot place, and no more.
func (d *Doc) readObjects() objects {
	objs, _ := objectsOf(d.am.Save())
	if objs == nil {
		objs = objects{}
	}
	return objs
}

// noteMade adds the objects a change of this replica makes to those noted,
// if they are noted at all.
func (d *Doc) noteMade(raw []byte) {
	d.objsMu.Lock()
	defer d.objsMu.Unlock()
	if d.objs == nil {
		return
	}
	l := newLayer(d.objs)
	if _, err := checkChange(0, raw, l); err != nil {
		d.objs = nil // read them again when next needed
		return
	}
	maps.Copy(d.objs, l.added)
}

// verify checks that the document holds every change in changes. A change
// it lacks whose dependencies it also lacks (and were not in the same
// bytes) arrived too early; any other is a change Automerge dropped.
func (d *Doc) verify(changes []change) error {
	sent := make(map[automerge.ChangeHash]bool, len(changes))
	for _, c := range changes {
		sent[c.hash] = true
	}
	for _, c := range changes {
		if d.has(c.hash) {
			continue
		}
		for _, dep := range c.deps {
			if !sent[dep] && !d.has(dep) {
				return fmt.Errorf("%w: change %s needs %s", ErrMissingDeps, c.hash, dep)
			}
		}
		return fmt.Errorf("%w: change %s is not in the document after applying it", ErrNotApplied, c.hash)
	}
	return nil
}

func (d *Doc) has(h automerge.ChangeHash) bool {
	_, err := d.am.Change(h)
	return err == nil
}

// rollback puts the document back as it was at heads. Automerge cannot
// take changes out, so it rebuilds the document from its history up to
// heads. That costs as much as loading it, but only on failure: a check
// before every apply would cost it every time.
func (d *Doc) rollback(heads []automerge.ChangeHash) error {
	var am *automerge.Doc
	if len(heads) == 0 {
		am = automerge.New()
	} else {
		var err error
		if am, err = d.am.Fork(heads...); err != nil {
			return fmt.Errorf("crdt: restore the document after a failed merge: %w", err)
		}
	}
	if err := am.SetActorID(d.am.ActorID()); err != nil {
		return fmt.Errorf("crdt: restore the document after a failed merge: %w", err)
	}
	d.am = am
	return nil
}
