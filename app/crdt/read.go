package crdt

import (
	"errors"
	"fmt"

	"github.com/automerge/automerge-go"
)

// Tree returns the whole document as plain Go values: map[string]any for
// maps, []any for lists, string for strings and texts, and int64, uint64,
// float64, bool or time.Time for scalars.
func (d *Doc) Tree() (map[string]any, error) {
	v, err := plain(d.am.Root())
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

func plain(v *automerge.Value) (any, error) {
	switch v.Kind() {
	case automerge.KindMap:
		vals, err := v.Map().Values()
		if err != nil {
			return nil, fmt.Errorf("crdt: read map: %w", err)
		}
		out := make(map[string]any, len(vals))
		for k, cv := range vals {
			if out[k], err = plain(cv); err != nil {
				return nil, err
			}
		}
		return out, nil
	case automerge.KindList:
		vals, err := v.List().Values()
		if err != nil {
			return nil, fmt.Errorf("crdt: read list: %w", err)
		}
		out := make([]any, len(vals))
		for i, cv := range vals {
			if out[i], err = plain(cv); err != nil {
				return nil, err
			}
		}
		return out, nil
	case automerge.KindText:
		s, err := v.Text().Get()
		if err != nil {
			return nil, fmt.Errorf("crdt: read text: %w", err)
		}
		return s, nil
	case automerge.KindCounter:
		n, err := v.Counter().Get()
		if err != nil {
			return nil, fmt.Errorf("crdt: read counter: %w", err)
		}
		return n, nil
	case automerge.KindVoid, automerge.KindNull, automerge.KindUnknown:
		return nil, nil
	}
	return v.Interface(), nil
}

// ReadAt returns the plain value at p (as Tree would show it), and false
// when nothing is there. It lets a reader refresh one record after an edit
// instead of the whole document. A path may end in Last, for the last
// element of a list.
func (d *Doc) ReadAt(p Path) (any, bool, error) {
	if len(p) == 0 {
		t, err := d.Tree()
		return t, err == nil, err
	}
	m := d.am.RootMap()
	for i, k := range p {
		if i == len(p)-2 && p[i+1] == Last {
			l, err := d.list(p[:i+1])
			if errors.Is(err, ErrMissing) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			v, err := lastOf(l)
			if err != nil {
				return nil, false, fmt.Errorf("crdt: read %s: %w", p, err)
			}
			return readValue(v)
		}
		v, err := m.Get(k)
		if err != nil {
			return nil, false, fmt.Errorf("crdt: read %s: %w", p[:i+1], err)
		}
		if i == len(p)-1 {
			return readValue(v)
		}
		if v.Kind() != automerge.KindMap {
			return nil, false, nil
		}
		m = v.Map()
	}
	return nil, false, nil
}

func readValue(v *automerge.Value) (any, bool, error) {
	if v == nil || v.Kind() == automerge.KindVoid {
		return nil, false, nil
	}
	out, err := plain(v)
	return out, err == nil, err
}
