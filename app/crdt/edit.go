package crdt

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/automerge/automerge-go"
)

// ErrMissing is wrapped when a path does not lead to an existing map.
var ErrMissing = errors.New("crdt: no such object")

// Path names a value by the map keys that lead to it from the root.
type Path []string

// P builds a Path.
func P(keys ...string) Path { return Path(keys) }

func (p Path) String() string { return "/" + strings.Join(p, "/") }

// parent resolves every key but the last to an existing map. It never
// creates anything: two replicas that both created the same container would
// conflict and one side's contents would vanish, so containers are created
// only by explicit NewMap/NewText calls from the replica that owns them.
func (d *Doc) parent(p Path) (*automerge.Map, string, error) {
	if len(p) == 0 {
		return nil, "", fmt.Errorf("crdt: empty path")
	}
	m := d.am.RootMap()
	for i, k := range p[:len(p)-1] {
		v, err := m.Get(k)
		if err != nil {
			return nil, "", fmt.Errorf("crdt: read %s: %w", p[:i+1], err)
		}
		if v.Kind() != automerge.KindMap {
			return nil, "", fmt.Errorf("%w: %s is %s, not a map", ErrMissing, p[:i+1], v.Kind())
		}
		m = v.Map()
	}
	return m, p[len(p)-1], nil
}

// Set writes a scalar (string, bool, int64, int, float64, time.Time) at p.
// The parent map must exist.
func (d *Doc) Set(p Path, v any) error {
	if err := checkScalar(p, v); err != nil {
		return err
	}
	m, k, err := d.parent(p)
	if err != nil {
		return err
	}
	if err := m.Set(k, v); err != nil {
		return fmt.Errorf("crdt: set %s: %w", p, err)
	}
	return nil
}

func checkScalar(p Path, v any) error {
	switch v.(type) {
	case string, bool, int64, int, float64, uint64, time.Time:
		return nil
	}
	return fmt.Errorf("crdt: set %s: unsupported value type %T", p, v)
}

// NewMap creates an empty map at p, replacing whatever was there.
func (d *Doc) NewMap(p Path) error {
	m, k, err := d.parent(p)
	if err != nil {
		return err
	}
	if err := m.Set(k, automerge.NewMap()); err != nil {
		return fmt.Errorf("crdt: new map %s: %w", p, err)
	}
	return nil
}

// NewText creates a collaborative text at p holding s.
func (d *Doc) NewText(p Path, s string) error {
	m, k, err := d.parent(p)
	if err != nil {
		return err
	}
	if err := m.Set(k, automerge.NewText(s)); err != nil {
		return fmt.Errorf("crdt: new text %s: %w", p, err)
	}
	return nil
}

// EditText changes the text at p to s with the smallest splice, so a
// partner's concurrent typing elsewhere in the same text survives the merge.
func (d *Doc) EditText(p Path, s string) error {
	m, k, err := d.parent(p)
	if err != nil {
		return err
	}
	v, err := m.Get(k)
	if err != nil {
		return fmt.Errorf("crdt: read %s: %w", p, err)
	}
	if v.Kind() != automerge.KindText {
		return fmt.Errorf("%w: %s is %s, not text", ErrMissing, p, v.Kind())
	}
	t := v.Text()
	old, err := t.Get()
	if err != nil {
		return fmt.Errorf("crdt: read text %s: %w", p, err)
	}
	pos, del, ins := diff([]rune(old), []rune(s))
	if del == 0 && ins == "" {
		return nil
	}
	if err := t.Splice(pos, del, ins); err != nil {
		return fmt.Errorf("crdt: edit text %s: %w", p, err)
	}
	return nil
}

// diff finds the single splice that turns a into b: the common prefix and
// suffix stay, the middle is replaced. Positions count code points, as
// Automerge's text does.
func diff(a, b []rune) (pos, del int, ins string) {
	for pos < len(a) && pos < len(b) && a[pos] == b[pos] {
		pos++
	}
	ea, eb := len(a), len(b)
	for ea > pos && eb > pos && a[ea-1] == b[eb-1] {
		ea--
		eb--
	}
	return pos, ea - pos, string(b[pos:eb])
}

// Delete removes the key at p. Deleting something absent is not an error.
func (d *Doc) Delete(p Path) error {
	m, k, err := d.parent(p)
	if err != nil {
		return err
	}
	if err := m.Delete(k); err != nil {
		return fmt.Errorf("crdt: delete %s: %w", p, err)
	}
	return nil
}
