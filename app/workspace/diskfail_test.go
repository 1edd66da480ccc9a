package workspace

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pairwise/app/internal/faults"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// TestTheSaverStopsWhenTheDiskFails: after the disk fails, the edit under
// way says so, and what arrives from the relay is dropped (it is fetched
// again after the restart) instead of being retried every second for as
// long as Pairwise runs, each try logging the failure again.
func TestTheSaverStopsWhenTheDiskFails(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	ws, err := Open(t.TempDir(), func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(f, a...))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	pair, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(faults.SetSync(func() error { return syscall.EIO }))
	_, err = ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "typed as the disk failed", time.Now())
	})
	if !errors.Is(err, store.ErrDiskFailed) || !errors.Is(ws.DiskFailed(), store.ErrDiskFailed) {
		t.Fatalf("the edit: %v; DiskFailed: %v; want both ErrDiskFailed", err, ws.DiskFailed())
	}

	ws.Acked(pair, 1)
	ws.SettleSaves()
	ws.Acked(pair, 2) // after it stopped: dropped
	ws.saver.mu.Lock()
	stopped, waiting := ws.saver.stopped, len(ws.saver.order)
	ws.saver.mu.Unlock()
	if !stopped || waiting != 0 {
		t.Fatalf("the saver after the disk failed: stopped %v, %d documents waiting; want stopped with none", stopped, waiting)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logs {
		if strings.Contains(l, "will try again") {
			t.Fatalf("the saver logged a retry of a write the failed disk refused: %q", l)
		}
	}
}

// A disk that fails while the saver holds received changes, with no
// cursor yet to write, stops the saver all the same: settling returns (a
// one-off sync waits on it), and the saver takes nothing more.
func TestTheSaverStopsWhenTheDiskFailsUnderWhatItHolds(t *testing.T) {
	ws, pair, msgs, base := openHolding(t, time.Hour, t.TempDir(), "Held", 1)
	defer ws.Close()
	receiveEarly(t, ws, pair, msgs, base, false)
	t.Cleanup(faults.SetSync(func() error { return syscall.EIO }))
	settled := make(chan struct{})
	go func() { ws.SettleSaves(); close(settled) }()
	select {
	case <-settled:
	case <-time.After(20 * time.Second):
		t.Fatal("SettleSaves still waits 20 s after the disk failed under what the saver held")
	}
	ws.saver.mu.Lock()
	stopped, waiting := ws.saver.stopped, len(ws.saver.order)
	ws.saver.mu.Unlock()
	if !errors.Is(ws.DiskFailed(), store.ErrDiskFailed) || !stopped || waiting != 0 {
		t.Fatalf("after the disk failed: DiskFailed %v, saver stopped %v with %d documents waiting; want ErrDiskFailed, stopped, none", ws.DiskFailed(), stopped, waiting)
	}
}
