package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

// replica is one person's machine: a data folder with its own workspace,
// Badger store and sync engine, exactly as the desktop app runs them.
type replica struct {
	name string
	ws   *workspace.Workspace
	eng  *syncclient.Engine

	running atomic.Bool
	drops   atomic.Int64 // times a running engine lost its connection

	stopRun context.CancelFunc
	runDone chan struct{}
}

// openReplica opens a fresh data folder that syncs through relayURL, with
// its store in memory if memory is set (see clientStores).
func openReplica(dir, name, relayURL, token string, memory bool, logf func(string, ...any)) (*replica, error) {
	ws, err := workspace.OpenWith(dir, workspace.Options{Logf: logf, Memory: memory})
	if err != nil {
		return nil, err
	}
	if err := ws.UpdateSettings(func(s *workspace.Settings) { s.Name, s.Relay, s.Token = name, relayURL, token }); err != nil {
		ws.Close()
		return nil, err
	}
	r := &replica{name: name, ws: ws, eng: syncclient.New(ws, logf)}
	r.eng.OnStatus(func(s syncclient.Status) {
		// Run never reports Offline for a deliberate stop, so every one
		// seen while running is a connection lost or refused.
		if s.State == syncclient.Offline && r.running.Load() {
			r.drops.Add(1)
		}
	})
	return r, nil
}

// start runs the engine in the background until stop.
func (r *replica) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.stopRun, r.runDone = cancel, make(chan struct{})
	r.running.Store(true)
	go func() {
		defer close(r.runDone)
		r.eng.Run(ctx)
	}()
}

// stop takes the machine offline: the engine ends and its connection closes.
func (r *replica) stop() {
	if r.stopRun == nil {
		return
	}
	r.running.Store(false)
	r.stopRun()
	<-r.runDone
	r.stopRun, r.runDone = nil, nil
}

func (r *replica) close() error {
	r.stop()
	return r.ws.Close()
}

// state is the bookkeeping of one pair on this machine.
func (r *replica) state(pair string) (cursor, pending uint64, err error) {
	st, err := r.ws.SyncState(pair)
	return st.Cursor, st.Pending(), err
}

// send makes the edit every workload uses: one short message with its
// number in the text, one durable commit (SendMessage is the closest
// mentoring edit to the anchors' "append one number to a list").
func (r *replica) send(pair string, n int) error {
	_, err := r.ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, msgText(n), time.Now())
	})
	if err != nil {
		return fmt.Errorf("%s: edit %d: %w", r.name, n, err)
	}
	return nil
}

func msgText(n int) string { return fmt.Sprintf("load %d", n) }

// synced reports whether the engine is connected with nothing waiting.
func (r *replica) synced() bool { return r.eng.Status().State == syncclient.Synced }
