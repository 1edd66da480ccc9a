package syncclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pairwise/app/store"
	"pairwise/app/workspace"
)

// failingDisk is a workspace whose disk fails when told to (a real disk
// cannot be made to fail here; app/store tests what the store does then).
type failingDisk struct {
	*workspace.Workspace
	failed chan struct{}
	err    atomic.Pointer[error]
}

func (f *failingDisk) DiskFailed() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *failingDisk) DiskFailedC() <-chan struct{} { return f.failed }

// errDiskForTest is what the store says once its disk failed, in short.
var errDiskForTest = fmt.Errorf("%w: Pairwise could not write to the disk holding its data. Check the disk, then restart Pairwise", store.ErrDiskFailed)

func (f *failingDisk) fail(err error) {
	f.err.Store(&err)
	close(f.failed)
}

// TestAFailedDiskStopsSyncingAndSaysSo: once this computer's disk has
// failed, nothing received could be saved, so the engine closes its
// session at once, stays off the relay, and its status says what to do.
func TestAFailedDiskStopsSyncingAndSaysSo(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pairOf(t, a, b, false)
	disk := &failingDisk{Workspace: a.ws, failed: make(chan struct{})}
	eng := NewWith(disk, Options{Logf: t.Logf})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { eng.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	waitFor(t, "the engine to sync", func() bool { return eng.Status().State == Synced })
	waitFor(t, "the relay to see its connection", func() bool { return r.metric("pairwise_relay_connections") == 1 })

	disk.fail(errDiskForTest)
	waitFor(t, "the status to say the disk failed", func() bool {
		s := eng.Status()
		return s.State == Refused && errors.Is(s.Err, store.ErrDiskFailed) && strings.Contains(s.Detail, "restart Pairwise")
	})
	waitFor(t, "the session to close", func() bool { return r.metric("pairwise_relay_connections") == 0 })
	select {
	case <-stopped: // Run ends: nothing more can be saved
	case <-time.After(30 * time.Second):
		t.Fatal("Run goes on after the disk failed")
	}
	if err := eng.SyncOnce(context.Background()); !errors.Is(err, store.ErrDiskFailed) {
		t.Fatalf("a sync once after the disk failed: %v, want ErrDiskFailed", err)
	}
}

// TestAFailedDiskWhileOfflineSaysSoAtOnce: when the disk fails while the
// relay cannot be reached, the status says so at once, not after the
// engine's next try, minutes away, calling everything saved meanwhile.
func TestAFailedDiskWhileOfflineSaysSoAtOnce(t *testing.T) {
	r := startRelay(t)
	a := newReplica(t, r)
	r.stop()
	disk := &failingDisk{Workspace: a.ws, failed: make(chan struct{})}
	var waiting atomic.Bool // the engine is in a wait of 2 s or more
	eng := NewWith(disk, Options{Logf: func(f string, args ...any) {
		line := fmt.Sprintf(f, args...)
		t.Log(line)
		if strings.Contains(line, "retrying in about 4s") {
			waiting.Store(true)
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { eng.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	waitFor(t, "the engine's third try", waiting.Load)
	disk.fail(errDiskForTest)
	select {
	case <-stopped:
	case <-time.After(time.Second): // that wait is 2-6 s
		t.Fatalf("the engine did not stop when the disk failed; its status: %+v", eng.Status())
	}
	if s := eng.Status(); s.State != Refused || !errors.Is(s.Err, store.ErrDiskFailed) {
		t.Fatalf("the status after the disk failed: %+v, want Refused with the disk's error", s)
	}
}
