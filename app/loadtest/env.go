package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// env is what every workload shares: the relay binary, a scratch folder for
// data folders, where the relay runs, and where progress goes.
type env struct {
	bin      string
	root     string
	clients  string   // where client data folders go; "" = under root
	memory   bool     // client stores in memory (W2; see clientStores)
	relayCPU int      // CPU the relay is pinned to; -1 = not pinned
	store    string   // the relays' PostgreSQL database; "" = each relay's own Badger folder
	relays   int      // W2's relay instances (several only on a store)
	tokens   []string // tokens issued in store, revoked with their pairs at the end (see purgeTokens)
	logf     func(string, ...any)
	out      io.Writer
}

// dir makes a fresh folder under the scratch folder.
func (e *env) dir(parts ...string) (string, error) {
	d := filepath.Join(append([]string{e.root}, parts...)...)
	return d, os.MkdirAll(d, 0o700)
}

// progress says what the tool is doing, so a long run is not silent.
func (e *env) progress(format string, args ...any) {
	fmt.Fprintf(e.out, "  %6.1fs  "+format+"\n", append([]any{time.Since(epoch).Seconds()}, args...)...)
}

// clientDir makes a fresh folder for a client machine's data folder, under
// clients when set (W2 puts them on tmpfs), else under the scratch folder.
func (e *env) clientDir(parts ...string) (string, error) {
	base := e.clients
	if base == "" {
		base = e.root
	}
	d := filepath.Join(append([]string{base}, parts...)...)
	return d, os.MkdirAll(d, 0o700)
}

// relay starts a fresh relay for one workload, with its own data folder
// or on the store.
func (e *env) relay(ctx context.Context, name string) (*relayProc, error) {
	f, err := e.fleet(ctx, name, 1)
	if err != nil {
		return nil, err
	}
	return f[0], nil
}

// relayData says where the relay keeps its data, for the notes.
func (e *env) relayData() string {
	if e.store != "" {
		return "the relays' data is in the PostgreSQL database, durable"
	}
	return "the relay's data folder is on disk and durable"
}

// waitFor polls cond until it holds, ctx ends, or limit passes.
func waitFor(ctx context.Context, limit time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not done after %s", what, limit)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// parallel runs fn(0..n-1) on at most workers goroutines and returns the
// first error.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
		ferr error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := ferr != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if ferr == nil {
						ferr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return ferr
}

// sleepCtx sleeps for d unless ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// applyLimit bounds every wait for edits to arrive. It is generous: a slow
// client is a figure to report, not a reason to give up.
const applyLimit = 15 * time.Minute

// machineNote describes how busy the machine is, so a noisy run can be
// told from a slow system: the load average, and what one synced 4 KiB
// write costs right now in the scratch folder (the floor under every
// durable commit).
func (e *env) machineNote() string {
	load, _ := os.ReadFile("/proc/loadavg")
	f, err := os.CreateTemp(e.root, "fsync-probe-")
	if err != nil {
		return "load average " + string(load)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	ds := make([]time.Duration, 0, 50)
	for range 50 {
		t := time.Now()
		if _, err := f.Write(buf); err != nil {
			break
		}
		if err := f.Sync(); err != nil {
			break
		}
		ds = append(ds, time.Since(t))
	}
	fields := strings.Fields(string(load))
	if len(fields) > 3 {
		fields = fields[:3]
	}
	s := summarise(ds)
	return fmt.Sprintf("load average %s; 4 KiB write+fsync p50 %s, p99 %s", strings.Join(fields, " "), ms(s.P50), ms(s.P99))
}
