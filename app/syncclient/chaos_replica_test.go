package syncclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/store"
	"pairwise/app/workspace"
)

// chaosReplica is one member's machine in the chaos harness: a data folder
// that can be closed and reopened, and an engine that is stopped, running
// (Run) or doing one sync in the background (SyncOnce).
type chaosReplica struct {
	w    *chaosWorld
	name string
	role mentoring.Role
	dir  string
	ws   *workspace.Workspace
	eng  *Engine

	mode   string // "", "run" or "once"
	cancel context.CancelFunc
	done   chan error

	mu  sync.Mutex
	bad []string // engine failures no injected fault explains
}

func (x *chaosReplica) logf(format string, args ...any) {
	x.w.t.Logf(x.name+": "+format, args...)
}

func (x *chaosReplica) open() {
	ws, err := workspace.Open(x.dir, x.logf)
	// Badger locks the folder with flock, and a child process this test
	// binary forks (another seed's relay) holds a copy of that lock until
	// it execs; so a folder just closed may look in use for a moment.
	for i := 0; i < 100 && errors.Is(err, store.ErrLocked); i++ {
		time.Sleep(10 * time.Millisecond)
		ws, err = workspace.Open(x.dir, x.logf)
	}
	if err != nil {
		x.w.fatalf("%s: open the data folder: %v", x.name, err)
	}
	if err := ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = x.w.url, x.w.token }); err != nil {
		x.w.fatalf("%s: settings: %v", x.name, err)
	}
	x.ws, x.eng = ws, NewWith(ws, Options{Logf: x.logf, SnapshotEvery: x.w.every})
	x.eng.OnStatus(func(st Status) {
		if st.State == Refused || (st.State == Offline && !explained(st.Detail)) {
			x.mu.Lock()
			x.bad = append(x.bad, st.String()+" ("+st.Detail+")")
			x.mu.Unlock()
		}
	})
}

// explained reports whether a sync failure is one the harness causes: the
// relay is down or went away, or the harness cancelled the sync.
func explained(detail string) bool {
	for _, s := range []string{ErrUnreachable.Error(), context.Canceled.Error(), "relay refused (busy)"} {
		if strings.Contains(detail, s) {
			return true
		}
	}
	return false
}

// expect records a SyncOnce error the faults do not explain.
func (x *chaosReplica) expect(err error) {
	if err == nil || errors.Is(err, ErrUnreachable) || errors.Is(err, context.Canceled) || explained(err.Error()) {
		return
	}
	x.mu.Lock()
	x.bad = append(x.bad, fmt.Sprintf("SyncOnce: %v", err))
	x.mu.Unlock()
}

func (x *chaosReplica) run() {
	ctx, cancel := context.WithCancel(context.Background())
	x.mode, x.cancel, x.done = "run", cancel, make(chan error, 1)
	go func() {
		x.eng.Run(ctx)
		x.done <- nil
	}()
}

func (x *chaosReplica) syncInBackground() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	x.mode, x.cancel, x.done = "once", cancel, make(chan error, 1)
	go func() { x.done <- x.eng.SyncOnce(ctx) }()
}

// halt stops the engine: at once, or for a background sync, optionally
// after it finished by itself.
func (x *chaosReplica) halt(wait bool) {
	if x.mode == "" {
		return
	}
	if !wait {
		x.cancel()
	}
	err := <-x.done
	x.cancel()
	if x.mode == "once" {
		if wait && errors.Is(err, context.DeadlineExceeded) {
			x.w.fatalf("%s: a sync ran for a minute without finishing", x.name)
		}
		x.expect(err)
	}
	x.mode = ""
}

// syncOnce syncs in the foreground.
func (x *chaosReplica) syncOnce() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return x.eng.SyncOnce(ctx)
}

func (x *chaosReplica) export() string {
	var b bytes.Buffer
	if err := x.ws.Export(x.w.pair, "json", &b); err != nil {
		x.w.fatalf("%s: export: %v", x.name, err)
	}
	return b.String()
}

func (x *chaosReplica) state() store.DocState {
	st, err := x.ws.SyncState(x.w.pair)
	if err != nil {
		x.w.fatalf("%s: state: %v", x.name, err)
	}
	return st
}
