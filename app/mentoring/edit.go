package mentoring

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"pairwise/app/crdt"
)

// Edit is one user action, validated and ready to apply to a document and
// commit as one Automerge change with Msg as its readable message.
type Edit struct {
	Msg string
	// ID is the ID of whatever the edit created (a goal, a check-in), if any.
	ID string
	// AfterClose marks the few edits a closed pair still accepts: closing
	// reflections and check-in feedback.
	AfterClose bool
	ops        ops
}

// Apply makes the edit's changes in d without committing them.
func (e Edit) Apply(d *crdt.Doc) error { return e.ops.run(d) }

// Touched lists the records the edit changes, each as the path of a
// top-level value or of one entry of a top-level map (a goal, a check-in,
// the agreement's time zones), so a reader can refresh just those.
func (e Edit) Touched() []crdt.Path {
	var out []crdt.Path
	seen := map[string]bool{}
	for _, o := range e.ops {
		p := o.p
		if len(p) > RecordDepth {
			p = p[:RecordDepth]
		}
		if k := p.String(); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// RecordDepth is the depth of the paths Touched returns.
const RecordDepth = 2

// op is one document operation on the value at p.
type op struct {
	p crdt.Path
	f func(d *crdt.Doc) error
}

// ops runs document operations in order, stopping at the first failure.
type ops []op

func (o ops) run(d *crdt.Doc) error {
	for _, x := range o {
		if err := x.f(d); err != nil {
			return err
		}
	}
	return nil
}

func set(p crdt.Path, v any) op {
	return op{p, func(d *crdt.Doc) error { return d.Set(p, v) }}
}

func newMap(p crdt.Path) op {
	return op{p, func(d *crdt.Doc) error { return d.NewMap(p) }}
}

func newList(p crdt.Path) op {
	return op{p, func(d *crdt.Doc) error { return d.NewList(p) }}
}

func newText(p crdt.Path, s string) op {
	return op{p, func(d *crdt.Doc) error { return d.NewText(p, s) }}
}

func editText(p crdt.Path, s string) op {
	return op{p, func(d *crdt.Doc) error { return d.EditText(p, s) }}
}

func del(p crdt.Path) op {
	return op{p, func(d *crdt.Doc) error { return d.Delete(p) }}
}

// NewID returns a random ID for a goal, check-in or other record. IDs are
// random rather than counted so two replicas adding at once never collide.
func NewID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mentoring: no system randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func quote(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return fmt.Sprintf("“%s”", s)
}

func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
