package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pairwise/syncserver/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// TestW2TwoRelays runs a tiny W2 against two relay instances on one
// PostgreSQL database, each pair's writer on one and its reader on the
// other: every edit must reach its reader through the other instance, the
// memory figures must cover both instances, and -json must say how it ran.
func TestW2TwoRelays(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the relay and PostgreSQL")
	}
	store := pgtest.Start(t)
	cfg := config{
		workloads: []string{"w2"},
		scratch:   t.TempDir(),
		store:     store,
		relays:    2,
		w2:        w2Config{Docs: 4, Warmup: 1, Edits: 3, Interval: 20 * time.Millisecond, Batch: 2, Idle: 100 * time.Millisecond},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := &report{}
	out := &logWriter{t: t}
	if err := run(ctx, cfg, rep, out); err != nil {
		t.Fatalf("run: %v", err)
	}
	cfg.json = true
	var printed bytes.Buffer
	finish(io.MultiWriter(&printed, out), cfg, rep)

	const edits = 4 * (1 + 3)
	f, ok := rep.lookup(w2Name, "edits applied by readers on another instance than their writer's")
	if !ok || f.raw != edits {
		t.Errorf("edits applied across instances: got %q (found %v), want %d of %d", f.value, ok, edits, edits)
	}
	for _, name := range []string{
		"relay RSS, idle with 8 connections, sum of 2 instances",
		"relay peak RSS (VmHWM), sum of 2 instances",
		"relay 1 RSS, idle with its 4 connections",
		"relay 2 RSS, idle with its 4 connections",
		"relay 1 peak RSS (VmHWM)",
		"relay 2 peak RSS (VmHWM)",
		"latency p99",
		"database size after the edits",
	} {
		if f, ok := rep.lookup(w2Name, name); !ok || f.raw <= 0 {
			t.Errorf("figure %q: got %q (found %v), want a positive figure", name, f.value, ok)
		}
	}
	one, _ := rep.lookup(w2Name, "relay 1 peak RSS (VmHWM)")
	two, _ := rep.lookup(w2Name, "relay 2 peak RSS (VmHWM)")
	if sum, _ := rep.lookup(w2Name, "relay peak RSS (VmHWM), sum of 2 instances"); sum.raw != one.raw+two.raw {
		t.Errorf("peak RSS sum %s, want relay 1's %s plus relay 2's %s", sum.value, one.value, two.value)
	}
	if !strings.Contains(printed.String(), "every edit crosses instances") {
		t.Error("the notes do not say how the clients were spread over the instances")
	}

	// A database the user gave is left as it was: the run's token revoked,
	// its pairs deleted.
	bin := filepath.Join(cfg.scratch, "pairwise-relay")
	if out, err := exec.Command(bin, "doc", "list", "--store", store).CombinedOutput(); err != nil || !strings.Contains(string(out), "No documents") {
		t.Errorf("doc list after the run (%v):\n%s\nwant no documents left", err, out)
	}
	if out, err := exec.Command(bin, "token", "list", "--store", store).CombinedOutput(); err != nil || strings.Contains(string(out), "live") {
		t.Errorf("token list after the run (%v):\n%s\nwant the run's token revoked", err, out)
	}

	line := checkJSON(t, printed.String(), cfg.workloads)[0]
	if line["relays"] != 2.0 || line["store"] != "postgres" {
		t.Errorf("JSON relays %v, store %v; want 2 and postgres", line["relays"], line["store"])
	}
	if line["edits_applied"] != float64(edits) {
		t.Errorf("JSON edits_applied %v, want %d", line["edits_applied"], edits)
	}
	for _, key := range []string{"relay1_idle_rss_mb", "relay2_idle_rss_mb", "relay1_peak_rss_mb", "relay2_peak_rss_mb", "db_size_mb"} {
		if v, ok := line[key].(float64); !ok || v <= 0 {
			t.Errorf("JSON %s: got %v, want a positive number", key, line[key])
		}
	}
	if got, want := line["relay_peak_rss_mb"].(float64), line["relay1_peak_rss_mb"].(float64)+line["relay2_peak_rss_mb"].(float64); got < want-0.01 || got > want+0.01 {
		t.Errorf("JSON relay_peak_rss_mb %v, want the instances' sum %v", got, want)
	}
}

// -relays above one needs a shared store and W2 alone; -store a PostgreSQL
// URL or pgtest.
func TestStoreFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-workload", "w2", "-relays", "2", "-store", "postgres://u@h/db"}, true},
		{[]string{"-workload", "w2", "-relays", "2", "-store", "pgtest"}, true},
		{[]string{"-store", "postgres://u@h/db"}, true},
		{[]string{"-workload", "w2", "-relays", "2"}, false},
		{[]string{"-relays", "2", "-store", "pgtest"}, false},
		{[]string{"-workload", "w2", "-relays", "0"}, false},
		{[]string{"-store", "/var/lib/relay"}, false},
	} {
		_, err := parseFlags(tc.args, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.args, err, tc.ok)
		}
	}
}
