package crdt

import (
	"fmt"

	"github.com/automerge/automerge-go"
)

// Last, as the final key of a Path, names the last element of the list the
// rest of the path leads to. It lets a reader refresh just the record an
// append added, as it refreshes one entry of a map.
const Last = "\x00last"

// NewList creates an empty list at p, replacing whatever was there.
func (d *Doc) NewList(p Path) error {
	m, k, err := d.parent(p)
	if err != nil {
		return err
	}
	if err := m.Set(k, automerge.NewList()); err != nil {
		return fmt.Errorf("crdt: new list %s: %w", p, err)
	}
	return nil
}

// Append adds a scalar (as Set takes) at the end of the list at p.
// Concurrent appends by two replicas both stay, in an order every replica
// agrees on; neither can hide the other's.
func (d *Doc) Append(p Path, v any) error {
	if err := checkScalar(p, v); err != nil {
		return err
	}
	l, err := d.list(p)
	if err != nil {
		return err
	}
	if err := l.Append(v); err != nil {
		return fmt.Errorf("crdt: append to %s: %w", p, err)
	}
	return nil
}

// Len returns the number of elements of the list at p.
func (d *Doc) Len(p Path) (int, error) {
	l, err := d.list(p)
	if err != nil {
		return 0, err
	}
	return l.Len(), nil
}

func (d *Doc) list(p Path) (*automerge.List, error) {
	m, k, err := d.parent(p)
	if err != nil {
		return nil, err
	}
	v, err := m.Get(k)
	if err != nil {
		return nil, fmt.Errorf("crdt: read %s: %w", p, err)
	}
	if v.Kind() != automerge.KindList {
		return nil, fmt.Errorf("%w: %s is %s, not a list", ErrMissing, p, v.Kind())
	}
	return v.List(), nil
}

// LastOf returns the last element of the list at p as ReadAt reads a
// value, and the list's length, resolving the list once (each read of
// Automerge leaves a result for the collector to free).
func (d *Doc) LastOf(p Path) (v any, n int, ok bool, err error) {
	l, err := d.list(p)
	if err != nil {
		return nil, 0, false, err
	}
	last, err := lastOf(l)
	if err != nil {
		return nil, 0, false, fmt.Errorf("crdt: read %s: %w", p, err)
	}
	v, ok, err = readValue(last)
	return v, l.Len(), ok, err
}

// lastOf returns the last element of l, or a void value for an empty list.
func lastOf(l *automerge.List) (*automerge.Value, error) {
	n := l.Len()
	if n == 0 {
		return nil, nil
	}
	return l.Get(n - 1)
}
