// Package syncclient is the client sync engine: it seals the outbox and
// pushes it to the relay, subscribes to each pair from its cursor, opens and
// merges what arrives, uploads sealed snapshots, reconnects with backoff,
// and reports its status in plain words.
package syncclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// DefaultSnapshotEvery is how many relay records may pile up past the
// relay's snapshot before a caught-up replica uploads a new one, so a
// replica far behind downloads one snapshot and a short tail instead of the
// whole log.
const DefaultSnapshotEvery = 128

// Options tune an engine. Zero fields take the defaults.
type Options struct {
	// Logf receives diagnostics.
	Logf func(string, ...any)
	// SnapshotEvery is how many records may pile up past the relay's
	// snapshot before a new one is uploaded (DefaultSnapshotEvery).
	SnapshotEvery int
	// SnapIdle is how long a running engine waits for a pause in traffic
	// before it uploads a snapshot (DefaultSnapIdle).
	SnapIdle time.Duration
	// HeldAfter is how long the engine waits for its own acknowledged
	// records to come back from the relay before it says the relay is
	// holding them back (DefaultHeldAfter; see freeze.go).
	HeldAfter time.Duration

	// beforeSnapshot runs between deciding to upload a snapshot and taking
	// it; a test commits an edit there.
	beforeSnapshot func()
	// loadingCandidate runs on the goroutine that loads a snapshot waiting
	// for this device's confirmation, before the load; a test holds it.
	loadingCandidate func()
}

func (o Options) withDefaults() Options {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.SnapshotEvery <= 0 {
		o.SnapshotEvery = DefaultSnapshotEvery
	}
	if o.SnapIdle <= 0 {
		o.SnapIdle = DefaultSnapIdle
	}
	if o.HeldAfter <= 0 {
		o.HeldAfter = DefaultHeldAfter
	}
	if o.beforeSnapshot == nil {
		o.beforeSnapshot = func() {}
	}
	if o.loadingCandidate == nil {
		o.loadingCandidate = func() {}
	}
	return o
}

// Engine keeps every pair of a workspace in sync with its relay.
type Engine struct {
	ws   Replicas
	opts Options // with defaults filled in
	logf func(string, ...any)

	kick chan struct{}

	// queued holds the documents whose outbox gained a change since a
	// session last read it (Replicas.WatchOutbox); see pushMore. sending
	// holds those a session would push at once (session.noteSending), and
	// parked is set while that session waits in its loop, which pushes
	// queued changes first when it wakes (session.unpark).
	queuedMu sync.Mutex
	queued   map[string]bool
	sending  map[string]bool
	parked   bool

	mu       sync.Mutex
	status   Status
	next     Status // update's scratch copy
	watchers []func(Status)
	// noCand lists documents whose waiting snapshot this engine could not
	// use to catch up: they catch up from records (see wire.Subscribe).
	noCand map[wire.DocID]bool
}

func (e *Engine) refusedCandidate(doc wire.DocID) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.noCand[doc]
}

func (e *Engine) refuseCandidate(doc wire.DocID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.noCand == nil {
		e.noCand = map[wire.DocID]bool{}
	}
	e.noCand[doc] = true
}

// New returns an engine for ws with the default options. logf receives
// diagnostics.
func New(ws Replicas, logf func(string, ...any)) *Engine {
	return NewWith(ws, Options{Logf: logf})
}

// NewWith returns an engine for ws with options.
func NewWith(ws Replicas, o Options) *Engine {
	o = o.withDefaults()
	e := &Engine{ws: ws, opts: o, logf: o.Logf, kick: make(chan struct{}, 1)}
	e.status.Pending = ws.Pending()
	ws.Watch(func(string) { e.Kick() })
	ws.WatchOutbox(func(id string) bool { // a change may go before it is on disk
		sending := e.markQueued(id)
		e.Kick()
		return sending
	})
	ws.WatchPending(func(string) { e.update(func(*Status) {}) })
	return e
}

// markQueued notes that id's outbox gained a change, and reports whether
// a session will push it before anything else: one parked in its loop,
// which would push id's changes at once.
func (e *Engine) markQueued(id string) bool {
	e.queuedMu.Lock()
	defer e.queuedMu.Unlock()
	if e.queued == nil {
		e.queued = map[string]bool{}
	}
	e.queued[id] = true
	return e.parked && e.sending[id]
}

// park notes that the session waits in its loop.
func (e *Engine) park() {
	e.queuedMu.Lock()
	e.parked = true
	e.queuedMu.Unlock()
}

// unpark notes that the session woke, and returns the documents whose
// changes it would push at once that were queued meanwhile (appended to
// ids). Both under queuedMu with markQueued: an edit is told the session
// pushes first only while it is parked, and then the session sees the
// change when it wakes.
func (e *Engine) unpark(ids []string) []string {
	e.queuedMu.Lock()
	defer e.queuedMu.Unlock()
	was := e.parked
	e.parked = false
	if !was {
		return ids
	}
	for id := range e.queued {
		if e.sending[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// stopSending forgets which documents a session pushes at once, when it
// ends: an engine runs one session at a time.
func (e *Engine) stopSending() {
	e.queuedMu.Lock()
	defer e.queuedMu.Unlock()
	e.parked = false
	clear(e.sending)
}

// setSending records whether a session pushes id's changes as they come.
func (e *Engine) setSending(id string, on bool) {
	e.queuedMu.Lock()
	defer e.queuedMu.Unlock()
	if !on {
		delete(e.sending, id)
		return
	}
	if e.sending == nil {
		e.sending = map[string]bool{}
	}
	e.sending[id] = true
}

// takeQueued reports whether id's outbox gained a change since the last
// call, and forgets it.
func (e *Engine) takeQueued(id string) bool {
	e.queuedMu.Lock()
	defer e.queuedMu.Unlock()
	q := e.queued[id]
	delete(e.queued, id)
	return q
}

// Kick asks the engine to push soon; edits call it through the workspace.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Status returns the current status.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// OnStatus registers fn to be called on every status change.
func (e *Engine) OnStatus(fn func(Status)) {
	e.mu.Lock()
	e.watchers = append(e.watchers, fn)
	e.mu.Unlock()
}

func (e *Engine) setStatus(s State, detail string) {
	e.update(func(st *Status) { st.State, st.Detail, st.Err = s, detail, nil })
}

// setFailed is setStatus for a failure: Detail says err, and Err keeps it
// for callers that explain it in their own words.
func (e *Engine) setFailed(s State, err error) {
	e.update(func(st *Status) { st.State, st.Detail, st.Err = s, errText(err), err })
}

// update changes the status with fn and tells the watchers if it changed.
// The count of waiting changes is the workspace's, which it keeps as
// changes are made and acknowledged (and tells of, see NewWith), so a
// status change reads nothing from the store.
func (e *Engine) update(fn func(*Status)) {
	e.mu.Lock()
	e.next = e.status
	fn(&e.next) // on a field: a local whose address fn takes goes to the heap
	st := e.next
	st.Pending = e.ws.Pending()
	changed := !st.same(e.status)
	e.status = st
	if !changed {
		e.mu.Unlock()
		return // the session asks after every message; mostly nothing changed
	}
	ws := append([]func(Status){}, e.watchers...)
	e.mu.Unlock()
	for _, fn := range ws {
		fn(st)
	}
}

// ErrNoRelay is returned when no relay is configured. Where to set one is
// for the caller to say: a command or the Settings screen.
var ErrNoRelay = errors.New("no relay is set")

// SyncOnce connects, exchanges everything with the relay and returns once
// this replica has pushed all it has and holds all the relay has.
func (e *Engine) SyncOnce(ctx context.Context) error {
	url := e.ws.Settings().Relay
	if url == "" {
		return ErrNoRelay
	}
	if err := e.ws.DiskFailed(); err != nil {
		e.setFailed(Refused, err)
		return err
	}
	e.ws.SettleReports() // so the cohort reports of changes made so far go too
	for attempt := 1; ; attempt++ {
		err := e.syncOnce(ctx, url)
		if errors.Is(err, errRenumbered) && attempt < 3 {
			continue // once more, with the outbox numbered after the relay's
		}
		if err != nil {
			return err
		}
		e.setStatus(Synced, "")
		return nil
	}
}

func (e *Engine) syncOnce(ctx context.Context, url string) error {
	s, err := dial(ctx, e, url)
	if err != nil {
		e.setFailed(Offline, err)
		return err
	}
	defer s.close()
	if err := s.run(ctx, true); err != nil {
		e.setFailed(stateFor(err), err)
		return err
	}
	return nil
}

// Run keeps syncing until ctx ends, reconnecting with exponential backoff
// and jitter whenever the relay is unreachable or drops the connection.
// It returns early only when this computer's disk has failed (see
// Replicas.DiskFailed): nothing received could be saved, and the status
// says so until Pairwise is restarted.
func (e *Engine) Run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		if err := e.ws.DiskFailed(); err != nil {
			// Nothing received could be saved, nor an acknowledgement:
			// the engine stops, and its status says why.
			e.setFailed(Refused, err)
			e.logf("sync: stopped until Pairwise is restarted: %s", LogText(err))
			return
		}
		url := e.ws.Settings().Relay
		if url == "" {
			e.setStatus(Idle, "")
			select {
			case <-ctx.Done():
				return
			case <-e.kick:
			case <-e.ws.DiskFailedC():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		s, err := dial(ctx, e, url)
		if err == nil {
			backoff = time.Second
			err = s.run(ctx, false)
			s.close()
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, workspace.ErrDiskFailed) {
			continue // the loop's first check stops it
		}
		e.setFailed(stateFor(err), err)
		e.logf("sync: %s; retrying in about %s", LogText(err), backoff)
		wait := backoff/2 + rand.N(backoff)
		select {
		case <-ctx.Done():
			return
		case <-e.ws.DiskFailedC():
		case <-time.After(wait):
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

// stateFor tells failures the user has to act on (Refused) from those
// that retrying gets past (Offline).
func stateFor(err error) State {
	if errors.Is(err, ErrWithheld) {
		return Withheld
	}
	var we *wire.Error
	if (errors.As(err, &we) && !we.Code.Temporary()) || errors.Is(err, ErrRelayBehind) || errors.Is(err, ErrRefusedRecord) || errors.Is(err, ErrRestoredCopy) ||
		errors.Is(err, workspace.ErrDiskFailed) {
		return Refused
	}
	return Offline
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ErrUnreachable wraps failures to reach the relay.
var ErrUnreachable = errors.New("cannot reach the relay")

func unreachable(url string, err error) error {
	return fmt.Errorf("%w at %s (%v); your changes are saved here and will sync when it is back", ErrUnreachable, url, err)
}
