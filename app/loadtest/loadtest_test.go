package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestSmoke runs every workload at a tiny scale against the real relay and
// checks only that each completes and reports figures that are there and
// positive. It never judges a timing: that is what the tool's table is for.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the relay")
	}
	cfg := config{
		workloads: allWorkloads,
		scratch:   t.TempDir(),
		w1:        w1Config{Warmup: 5, Edits: 20, Interval: 2 * time.Millisecond},
		w2:        w2Config{Docs: 3, Warmup: 1, Edits: 3, Interval: 20 * time.Millisecond, Batch: 2, Idle: 100 * time.Millisecond},
		w3:        w3Config{Pre: 5, Edits: 40},
		idle:      idleConfig{Conns: 20, Idle: 100 * time.Millisecond},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := &report{}
	out := &logWriter{t: t}
	if err := run(ctx, cfg, rep, out); err != nil {
		t.Fatalf("run: %v", err)
	}
	rep.print(out)

	for _, want := range []struct{ workload, figure string }{
		{"W1 pair", "latency p50"},
		{"W1 pair", "latency max"},
		{"W1 pair", "relay peak RSS (VmHWM)"},
		{"W1 relay only", "push → reader received, p50"},
		{"W2 many pairs", "latency p99"},
		{"W2 many pairs", "relay RSS, idle with 6 connections"},
		{"W2 many pairs", "relay peak RSS (VmHWM)"},
		{"W2 relay only", "push → reader received, p99"},
		{"W3 catch-up", "catch-up (connect → all applied)"},
		{"W3 catch-up", "bytes received (wire, via proxy)"},
		{"Idle", "relay RSS with 20 idle connections"},
	} {
		f, ok := rep.lookup(want.workload, want.figure)
		if !ok {
			t.Errorf("%s: no figure %q", want.workload, want.figure)
			continue
		}
		if f.raw <= 0 {
			t.Errorf("%s %s: got %s, want a positive figure", want.workload, want.figure, f.value)
		}
	}
}

// logWriter sends the tool's output to the test log, a whole line at a
// time (the table arrives in pieces).
type logWriter struct {
	t   *testing.T
	buf []byte
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}
