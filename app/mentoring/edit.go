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
	apply      func(d *crdt.Doc) error
}

// Apply makes the edit's changes in d without committing them.
func (e Edit) Apply(d *crdt.Doc) error { return e.apply(d) }

// ops runs document operations in order, stopping at the first failure.
type ops []func(d *crdt.Doc) error

func (o ops) run(d *crdt.Doc) error {
	for _, f := range o {
		if err := f(d); err != nil {
			return err
		}
	}
	return nil
}

func set(p crdt.Path, v any) func(*crdt.Doc) error {
	return func(d *crdt.Doc) error { return d.Set(p, v) }
}

func newMap(p crdt.Path) func(*crdt.Doc) error {
	return func(d *crdt.Doc) error { return d.NewMap(p) }
}

func newText(p crdt.Path, s string) func(*crdt.Doc) error {
	return func(d *crdt.Doc) error { return d.NewText(p, s) }
}

func editText(p crdt.Path, s string) func(*crdt.Doc) error {
	return func(d *crdt.Doc) error { return d.EditText(p, s) }
}

func del(p crdt.Path) func(*crdt.Doc) error {
	return func(d *crdt.Doc) error { return d.Delete(p) }
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
