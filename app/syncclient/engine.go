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

	"pairwise/shared/wire"
)

// SnapshotEvery is how many relay records may pile up past the relay's
// snapshot before a caught-up replica uploads a new one, so a replica far
// behind downloads one snapshot and a short tail instead of the whole log.
// It is a variable only so tests can make snapshots frequent; set it before
// any engine runs.
var SnapshotEvery = 128

// Engine keeps every pair of a workspace in sync with its relay.
type Engine struct {
	ws   Replicas
	logf func(string, ...any)

	kick chan struct{}

	// HeldAfter is how long the engine waits for its own acknowledged
	// records to come back from the relay before it says the relay is
	// holding them back (see freeze.go). New sets DefaultHeldAfter; set it
	// before Run or SyncOnce.
	HeldAfter time.Duration

	mu       sync.Mutex
	status   Status
	watchers []func(Status)
}

// New returns an engine for ws. logf receives diagnostics.
func New(ws Replicas, logf func(string, ...any)) *Engine {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	e := &Engine{ws: ws, logf: logf, kick: make(chan struct{}, 1), HeldAfter: DefaultHeldAfter}
	ws.Watch(func(string) { e.Kick() })
	return e
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
	e.publish(Status{State: s, Detail: detail})
}

// setFailed is setStatus for a failure: Detail says err, and Err keeps it
// for callers that explain it in their own words.
func (e *Engine) setFailed(s State, err error) {
	e.publish(Status{State: s, Detail: errText(err), Err: err})
}

func (e *Engine) publish(st Status) {
	st.Pending = e.pending()
	e.mu.Lock()
	changed := !st.same(e.status)
	e.status = st
	ws := append([]func(Status){}, e.watchers...)
	e.mu.Unlock()
	if changed {
		for _, fn := range ws {
			fn(st)
		}
	}
}

func (e *Engine) pending() uint64 {
	ids, _ := e.ws.IDs()
	var n uint64
	for _, id := range ids {
		if st, err := e.ws.SyncState(id); err == nil {
			n += st.Pending()
		}
	}
	return n
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
	e.ws.SettleReports() // so the cohort reports of changes made so far go too
	s, err := dial(ctx, e, url)
	if err != nil {
		e.setFailed(Offline, err)
		return err
	}
	defer s.close()
	err = s.run(ctx, true)
	if err != nil {
		e.setFailed(stateFor(err), err)
		return err
	}
	e.setStatus(Synced, "")
	return nil
}

// Run keeps syncing until ctx ends, reconnecting with exponential backoff
// and jitter whenever the relay is unreachable or drops the connection.
func (e *Engine) Run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		url := e.ws.Settings().Relay
		if url == "" {
			e.setStatus(Idle, "")
			select {
			case <-ctx.Done():
				return
			case <-e.kick:
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
		e.setFailed(stateFor(err), err)
		e.logf("sync: %s; retrying in about %s", LogText(err), backoff)
		wait := backoff/2 + rand.N(backoff)
		select {
		case <-ctx.Done():
			return
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
	if (errors.As(err, &we) && !we.Code.Temporary()) || errors.Is(err, ErrRelayBehind) || errors.Is(err, ErrRefusedRecord) || errors.Is(err, ErrRestoredCopy) {
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
