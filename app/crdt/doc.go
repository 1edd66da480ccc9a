// Package crdt is Pairwise's only door to automerge-go. It keeps the
// library's sharp edges (list deletes through a path, silent acceptance of
// garbage in LoadIncremental, self-merges) out of the rest of the code and
// offers the handful of operations the pair document needs: nested maps of
// scalars, collaborative text, commits that yield their change bytes, and
// the change history.
package crdt

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/automerge/automerge-go"
)

// ErrCorrupt is wrapped when bytes that should hold a document or changes
// cannot be parsed.
var ErrCorrupt = errors.New("crdt: data is not a valid Automerge document or change")

// ErrMissingDeps is returned by ApplyChanges for a change whose
// predecessors this document has not seen. Callers deliver changes in causal
// order (the relay log is one), so this points at a gap in delivery.
var ErrMissingDeps = errors.New("crdt: change arrived before the changes it builds on")

// ErrNoChange is returned by Commit when nothing was edited since the last one.
var ErrNoChange = errors.New("crdt: nothing to commit")

// Doc is one Automerge document. Its methods are safe for concurrent use as
// far as automerge-go's own lock goes; callers that need an edit and its
// commit to be atomic hold their own lock around both.
type Doc struct {
	am *automerge.Doc
	// merged remembers the last whole document merged in (MergeSavedInto)
	// and its heads, so a caller that needs those heads too need not load
	// it a second time: Automerge's load is most of a catch-up.
	merged *savedHeads

	// objsMu guards objs, the kinds of the document's objects that
	// ApplyChanges checks keys against (see objects.go); nil until a
	// check needs it.
	objsMu sync.Mutex
	objs   objects
}

type savedHeads struct {
	sum   [sha256.Size]byte
	heads []string
}

// NewActor returns a fresh random actor ID (hex).
func NewActor() string { return automerge.NewActorID() }

// New returns an empty document that writes as actor.
func New(actor string) (*Doc, error) {
	d := &Doc{am: automerge.New()}
	if err := d.am.SetActorID(actor); err != nil {
		return nil, fmt.Errorf("crdt: set actor %q: %w", actor, err)
	}
	return d, nil
}

// Load parses a saved document and sets the actor it will write as. Data
// that is malformed, holds compressed changes or would inflate past
// MaxDocumentBytes is refused (ErrCorrupt, ErrTooLarge) before Automerge
// reads it.
func Load(data []byte, actor string) (*Doc, error) {
	objs, err := checkDocument(data)
	if err != nil {
		return nil, err
	}
	am, err := automerge.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := am.SetActorID(actor); err != nil {
		return nil, fmt.Errorf("crdt: set actor %q: %w", actor, err)
	}
	return &Doc{am: am, objs: objs}, nil
}

// Actor is the actor ID this document writes as.
func (d *Doc) Actor() string { return d.am.ActorID() }

// Save returns the whole document in compact form.
func (d *Doc) Save() []byte { return d.am.Save() }

// Commit turns the edits made since the last commit into one change with a
// readable message and timestamp, and returns that change's bytes, ready to
// store and to send to the partner.
func (d *Doc) Commit(msg string, at time.Time) ([]byte, error) {
	h, err := d.am.Commit(msg, automerge.CommitOptions{Time: &at})
	if err != nil {
		if err.Error() == "Commit is empty" { // automerge-go has no sentinel for this
			return nil, ErrNoChange
		}
		return nil, fmt.Errorf("crdt: commit %q: %w", msg, err)
	}
	ch, err := d.am.Change(h)
	if err != nil {
		return nil, fmt.Errorf("crdt: read back change %s: %w", h, err)
	}
	raw := ch.Save()
	d.noteMade(raw)
	return raw, nil
}

// MergeSavedInto merges a whole saved document into d and returns the
// result. When the saved document already holds every change of d, as a
// snapshot from the relay usually does, the result is the saved document
// itself, writing as d's actor: replacing d costs a fraction of merging
// into it. Otherwise it is d, merged.
func MergeSavedInto(d *Doc, data []byte) (*Doc, error) {
	other, err := Load(data, d.Actor())
	if err != nil {
		return nil, err
	}
	memo := &savedHeads{sum: sha256.Sum256(data), heads: other.Heads()}
	for _, h := range d.am.Heads() {
		if _, err := other.am.Change(h); err != nil {
			if err := d.Merge(other); err != nil {
				return nil, err
			}
			d.merged = memo
			return d, nil
		}
	}
	other.merged = memo
	return other, nil
}

// MergedHeads returns the heads of data if it is the whole document last
// merged into d with MergeSavedInto, without loading it again.
func (d *Doc) MergedHeads(data []byte) ([]string, bool) {
	if d.merged == nil || sha256.Sum256(data) != d.merged.sum {
		return nil, false
	}
	return slices.Clone(d.merged.heads), true
}

// Merge brings every change of other into d. Merging a document into itself
// would deadlock automerge-go, so it is a no-op here.
func (d *Doc) Merge(other *Doc) error {
	if other == d || other.am == d.am {
		return nil
	}
	if _, err := d.am.Merge(other.am); err != nil {
		return fmt.Errorf("crdt: merge: %w", err)
	}
	d.objsMu.Lock()
	d.objs = nil // read again when next needed
	d.objsMu.Unlock()
	return nil
}

// Fork returns an independent copy that writes as actor.
func (d *Doc) Fork(actor string) (*Doc, error) {
	am, err := d.am.Fork()
	if err != nil {
		return nil, fmt.Errorf("crdt: fork: %w", err)
	}
	if err := am.SetActorID(actor); err != nil {
		return nil, fmt.Errorf("crdt: set actor %q: %w", actor, err)
	}
	return &Doc{am: am}, nil
}

// Heads returns the document's current heads as hex strings, sorted as
// Automerge returns them.
func (d *Doc) Heads() []string {
	hs := d.am.Heads()
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

// memberIDLen is the length of a member's ID, which is the actor ID a
// member first writes as (NewActor: 16 bytes in hex).
const memberIDLen = 32

// EpochActor is the actor a member writes as in the given epoch of a
// document: the member's ID, followed after a crash by the epoch (see
// store.DocState.Epoch). MemberOf maps it back.
func EpochActor(member string, epoch uint32) string {
	if epoch == 0 {
		return member
	}
	return fmt.Sprintf("%s%08x", member, epoch)
}

// MemberOf returns the member an actor writes for: the actor itself, or
// the member ID it extends (EpochActor).
func MemberOf(actor string) string {
	if len(actor) > memberIDLen {
		return actor[:memberIDLen]
	}
	return actor
}
