// Package workspace is the client core the desktop UI and the CLI share: it
// opens the data folder, keeps pair documents in memory, applies edits as
// durable commits, merges what the relay delivers, and exports.
package workspace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/store"
	"pairwise/shared/seal"
)

// Settings are the user's preferences, kept in the data folder.
type Settings struct {
	Device string `json:"device"` // random ID of this installation (hex, 16 bytes)
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
	Relay  string `json:"relay,omitempty"`
	Token  string `json:"token,omitempty"`
	Vault  bool   `json:"vault,omitempty"` // pair keys are sealed with a vault key in the OS keyring
	// The device's signing key (see device.go): its seed, in clear where
	// there is no keyring, else sealed with the vault key.
	DeviceKey       []byte `json:"deviceKey,omitempty"`
	SealedDeviceKey []byte `json:"sealedDeviceKey,omitempty"`
	// ReminderLeads is how many minutes before each scheduled meeting
	// this member is reminded on this computer; empty means
	// DefaultReminderLeads (see leads.go).
	ReminderLeads []int `json:"reminderLeads,omitempty"`
	// Backups are the automatic backups, nil when off (see autobackup.go);
	// their passphrase is kept like the device key.
	Backups          *BackupPlan `json:"backups,omitempty"`
	BackupPass       []byte      `json:"backupPass,omitempty"`
	SealedBackupPass []byte      `json:"sealedBackupPass,omitempty"`
}

// Meta is what this machine knows about a pair beyond the document itself.
// Key and secrets never leave the machine except inside invite codes.
type Meta struct {
	ID         string       `json:"id"`
	Actor      string       `json:"actor"` // Automerge actor this replica writes as; also its member ID
	Key        []byte       `json:"key"`
	Write      []byte       `json:"write,omitempty"` // write capability; nil on a read-only replica
	Read       []byte       `json:"read,omitempty"`
	Relay      string       `json:"relay,omitempty"`
	Registered bool         `json:"registered,omitempty"` // the relay knows the document
	Pending    *PendingJoin `json:"pending,omitempty"`    // membership to add once the pair arrives
	Title      string       `json:"title,omitempty"`      // last known title, for listing before the first sync
	Sealed     []byte       `json:"sealed,omitempty"`     // Key, Write and Read sealed with the keyring's vault key
	// Kind is "" for a mentoring pair, or mentoring.KindProgramme or
	// KindBoard for the two documents of a cohort. It never changes.
	Kind string `json:"kind,omitempty"`
	// Cohort is, for a board, the cohort (programme document) it belongs
	// to. (A pair's cohort is in the pair document: mentoring.Pair.Cohort.)
	Cohort string `json:"cohort,omitempty"`
	// Root and Certs are the document's write authority (see
	// authority.go); a document from before signed devices has neither.
	Root  []byte   `json:"root,omitempty"`
	Certs [][]byte `json:"certs,omitempty"`
	// Rebuilding is set while the saved copy, found damaged, is rebuilt
	// from the relay (see rebuild): reads say so instead of showing it empty.
	Rebuilding bool `json:"rebuilding,omitempty"`
	// PartnerHeads are, by exporting device (hex ID), the heads that
	// device had when it saved the last file of changes imported here:
	// what it is known to hold (see bundle.go).
	PartnerHeads map[string][]string `json:"partnerHeads,omitempty"`

	// Local habits, never shared with the partner.
	Seen        time.Time `json:"seen,omitempty"`        // the partner's messages are read up to here
	NudgesOff   bool      `json:"nudgesOff,omitempty"`   // no rhythm reminders for this pair
	SnoozeUntil string    `json:"snoozeUntil,omitempty"` // no reminders before this date
	LastNudge   string    `json:"lastNudge,omitempty"`   // key of the last reminder shown
	// Reminded holds the keys of the meeting reminders shown here (see
	// reminders.go), for the meetings still to come.
	Reminded []string `json:"reminded,omitempty"`
}

// PendingJoin is a membership that waits for the pair document to arrive.
type PendingJoin struct {
	Name string         `json:"name"`
	Role mentoring.Role `json:"role"`
}

// ReadOnly reports whether this replica can only read the pair.
func (m Meta) ReadOnly() bool { return m.Write == nil }

// Compaction thresholds. Past the first pair, the chunks are folded into a
// snapshot once the pair has been left alone for Options.CompactIdle;
// saving a document with years of history takes tens of milliseconds,
// which an edit (or a change arriving from the partner) should not wait
// for. Past Options.CompactChunksHard or CompactBytesHard they are folded
// at once.
const (
	compactChunks = 256
	compactBytes  = 1 << 20
)

// Workspace is an open data folder. It is safe for concurrent use.
type Workspace struct {
	st   *store.Store
	opts Options // with defaults filled in
	logf func(string, ...any)
	// outbox are told when a change to push enters an outbox (WatchOutbox).
	outboxMu sync.Mutex
	outbox   []func(id string) bool
	// clock stamps edits (see Now and SetNow).
	clock atomic.Pointer[func() time.Time]

	vault     vault
	device    seal.DeviceKey
	deviceErr error // why device is missing, if it is
	// lockedToken is the sealed token when the vault could not open it,
	// and tokenErr why (see putSettings and Token).
	lockedToken []byte
	tokenErr    error

	mu       sync.Mutex
	closed   atomic.Bool // set by Close; idle compactions then do nothing
	settings Settings
	docs     map[string]*handle
	loads    map[string]*loading // pairs being loaded (see get)
	// previews are pairs shown from their views until they are loaded
	// (see preview.go); bg counts the loads started in the background.
	previews map[string]preview
	bg       sync.WaitGroup
	pending  pendingCounts
	// revisions counts, per document, the changes watchers were told of.
	revisions map[string]uint64
	watchers  []func(doc string)
	// reported is, per pair in a cohort, the report last seen on or
	// written to the cohort's board (see reportHealth); reportMu makes
	// one report at a time.
	reported map[string]reported
	reportMu sync.Mutex
	rep      *reporter
	saver    *saver
	counts   counters
}

// Dir is the data folder.
func (w *Workspace) Dir() string { return w.st.Dir() }

// Settings returns the current settings.
func (w *Workspace) Settings() Settings {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.settings
}

// UpdateSettings changes the settings durably.
func (w *Workspace) UpdateSettings(fn func(s *Settings)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.settings
	fn(&s)
	if err := w.putSettings(w.settings, s); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	w.settings = s
	return nil
}

// Watch registers fn to be called (on the caller's goroutine of the change)
// whenever a pair changes, locally or from the relay.
func (w *Workspace) Watch(fn func(doc string)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watchers = append(w.watchers, fn)
}

func (w *Workspace) notify(doc string) {
	w.announcePending(doc)
	w.mu.Lock()
	w.revisions[doc]++
	ws := append([]func(string){}, w.watchers...)
	w.mu.Unlock()
	for _, fn := range ws {
		fn(doc)
	}
}

// Revision counts the changes to a document, made here or received, since
// the folder was opened: a screen that remembers the revision it shows can
// tell whether a change notification has anything new for it.
func (w *Workspace) Revision(doc string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.revisions[doc]
}

// IDs lists every document in the data folder: pairs and cohorts.
func (w *Workspace) IDs() ([]string, error) {
	ids, err := w.st.Docs()
	sort.Strings(ids)
	return ids, err
}

// ErrUnknownPair is returned for a pair ID this data folder does not hold.
var ErrUnknownPair = errors.New("no such pair here")

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("workspace: no system randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// ErrUnsynced is returned when removing a document would lose changes the
// relay has not acknowledged yet.
var ErrUnsynced = errors.New("not synced yet")

// Remove deletes a pair, or a cohort (its programme and board), from this
// computer: the partner's and the relay's copies stay as they are, and
// joining again from an invite brings it back. Unless force is set it
// refuses while changes made here have not reached the relay, since they
// would be lost for good.
func (w *Workspace) Remove(id string, force bool) error {
	h, err := w.get(id)
	if err != nil {
		return err
	}
	ids := []string{id}
	switch h.kind {
	case mentoring.KindBoard:
		return fmt.Errorf("%w: %s is a cohort's board; remove the cohort itself", ErrUnknownPair, id)
	case mentoring.KindProgramme:
		ids = append(ids, boardID(id))
	}
	if !force {
		var pending uint64
		for _, d := range ids {
			pending += w.PendingIn(d)
		}
		if pending > 0 {
			return fmt.Errorf("%w: %d changes made here have not reached the relay, and removing now would lose them. Sync first, or choose to remove anyway (--force on the command line)", ErrUnsynced, pending)
		}
	}
	if h.kind == "" {
		// The pair's report on its cohort's board would go stale with no
		// one here to keep it: take it off (a partner still in the cohort
		// puts it back with their next change).
		if p, err := w.Pair(id); err == nil && p.Cohort != "" {
			if err := w.dropReport(p.Cohort, id); err != nil {
				w.logf("take pair %s off its cohort's board: %v", id, err)
			}
		}
	}
	for _, d := range ids {
		w.awaitLoad(d)
		w.mu.Lock()
		dh := w.docs[d]
		w.mu.Unlock()
		if dh != nil {
			// Wait for an edit or compaction in progress, and keep the
			// handle until the store has let go of the document, so no one
			// loads it again from disk meanwhile.
			dh.mu.Lock()
			if dh.compact != nil {
				dh.compact.Stop()
				dh.compact = nil
			}
		}
		err := w.st.Remove(d)
		if err == nil {
			w.mu.Lock()
			delete(w.docs, d)
			delete(w.reported, d)
			w.mu.Unlock()
			w.dropPending(d)
		}
		if dh != nil {
			dh.mu.Unlock()
		}
		if err != nil {
			return err
		}
	}
	for _, d := range ids[1:] {
		w.announcePending(d) // notify announces id's
	}
	w.notify(id)
	return nil
}

// Now is the time edits are stamped with: the wall clock, unless SetNow
// gave another.
func (w *Workspace) Now() time.Time { return (*w.clock.Load())() }

// SetNow replaces the clock, for the demo and for tests. It is safe while
// the reporter works on another goroutine.
func (w *Workspace) SetNow(fn func() time.Time) { w.clock.Store(&fn) }
