package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
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
	cfg.json = true
	var printed bytes.Buffer
	finish(io.MultiWriter(&printed, out), cfg, rep)
	for _, line := range checkJSON(t, printed.String(), cfg.workloads) {
		if line["relays"] != 1.0 || line["store"] != "badger" {
			t.Errorf("%s: relays %v, store %v; want 1 and badger", line["workload"], line["relays"], line["store"])
		}
	}

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
		{"W2 many pairs", "writers behind schedule (max)"},
		{"W2 relay only", "writers behind schedule (max)"},
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

// jsonKeys are the keys -json must print for each workload, with whether
// the figure must be positive (a per-connection memory difference of a few
// connections, or a writer exactly on time, may be zero).
var jsonKeys = map[string]map[string]bool{
	"w1":    {"p50_ms": true, "p95_ms": true, "p99_ms": true, "max_ms": true, "edit_durable_p99_ms": true, "relay_peak_rss_mb": true, "writer_behind_ms": false},
	"w1raw": {"p50_ms": true, "p95_ms": true, "p99_ms": true, "max_ms": true, "writer_behind_ms": false},
	"w2":    {"p50_ms": true, "p95_ms": true, "p99_ms": true, "max_ms": true, "relay_idle_rss_mb": true, "relay_peak_rss_mb": true, "writer_behind_ms": false},
	"w2raw": {"p50_ms": true, "p95_ms": true, "p99_ms": true, "max_ms": true, "relay_idle_rss_mb": true, "relay_peak_rss_mb": true, "writer_behind_ms": false},
	"w3":    {"catchup_ms": true, "bytes_received": true},
	"idle":  {"rss_per_conn_kb": false, "relay_peak_rss_mb": true},
}

// checkJSON checks that the output ends with one JSON object per workload,
// in the order they ran, each with its keys, and returns them.
func checkJSON(t *testing.T, out string, workloads []string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < len(workloads) {
		t.Fatalf("%d lines of output, want at least %d", len(lines), len(workloads))
	}
	if before := lines[len(lines)-len(workloads)-1]; strings.HasPrefix(before, "{") {
		t.Errorf("more JSON lines than workloads: %s", before)
	}
	for i, line := range lines[len(lines)-len(workloads):] {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Errorf("line %q is not a JSON object: %v", line, err)
			continue
		}
		objs = append(objs, got)
		wl := workloads[i]
		if got["workload"] != wl {
			t.Errorf("JSON line %d is workload %v, want %s", i, got["workload"], wl)
		}
		for key, positive := range jsonKeys[wl] {
			v, ok := got[key].(float64)
			switch {
			case !ok:
				t.Errorf("%s: no number %q in %s", wl, key, line)
			case v < 0 || positive && v == 0:
				t.Errorf("%s: %s is %v", wl, key, v)
			}
		}
	}
	return objs
}

// TestPrintJSON checks the exact lines -json prints: the workload first,
// then its keys in the order they were set, rounded to microseconds or
// thousandths; a key set twice keeps its first place and its last value.
func TestPrintJSON(t *testing.T) {
	rep := &report{}
	rep.setLatency("w1", latency{P50: 1500 * time.Microsecond, P95: 2 * time.Millisecond, P99: 3*time.Millisecond + 1234, Max: time.Second})
	rep.set("w3", keyBytes, 25200)
	rep.setMs("w1", keyBehind, 7*time.Millisecond)
	rep.setMs("w1", keyP50, 1600*time.Microsecond)
	rep.set("idle", keyPerConn, 11.75)
	rep.setMiB("idle", keyPeakRSS, 50<<20)
	rep.setWord("idle", keyStore, "postgres")
	rep.set("idle", keyRelays, 1)
	var b bytes.Buffer
	if err := rep.printJSON(&b); err != nil {
		t.Fatal(err)
	}
	want := `{"workload":"w1","p50_ms":1.6,"p95_ms":2,"p99_ms":3.001,"max_ms":1000,"writer_behind_ms":7}
{"workload":"w3","bytes_received":25200}
{"workload":"idle","rss_per_conn_kb":11.75,"relay_peak_rss_mb":50,"store":"postgres","relays":1}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if !slices.Equal(allWorkloads, []string{"w1", "w1raw", "w2", "w2raw", "w3", "idle"}) {
		t.Errorf("the workloads -json names are %v; compare.sh and the issue expect w1, w1raw, w2, w2raw, w3, idle", allWorkloads)
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

// The steal figure is the hypervisor's share of the machine's CPU time
// between two readings, and unknown rather than made up when it cannot
// be read.
func TestStealIsTheHypervisorsShareOfTheMachinesTime(t *testing.T) {
	before := machineTicks{total: 1000, steal: 10, ok: true}
	if got := (machineTicks{total: 1400, steal: 110, ok: true}).stealSince(before); got != 25 {
		t.Fatalf("100 of 400 ticks stolen: got %v%%, want 25%%", got)
	}
	for _, after := range []machineTicks{{}, {total: 1000, steal: 10, ok: true}} {
		if got := after.stealSince(before); got != -1 {
			t.Fatalf("%+v after %+v: got %v, want -1 (unknown)", after, before, got)
		}
	}
	if runtime.GOOS == "linux" {
		now := readMachineTicks()
		if !now.ok || now.total == 0 || now.steal > now.total {
			t.Fatalf("/proc/stat read as %+v", now)
		}
		p := phaseCPU{Steal: 12.5}
		if s := p.String(); !strings.Contains(s, "12.5% of the machine's CPU time") {
			t.Fatalf("the CPU line does not say the steal: %q", s)
		}
	}
}

// The relay's delivery histogram is read as differences between two
// scrapes, summed over instances, and its quantiles are the buckets that
// hold them.
func TestDeliveryQuantilesAreTheBucketsThatHoldThem(t *testing.T) {
	bounds := []float64{0.001, 0.002, 0.004, math.Inf(1)}
	before := deliveryHist{bounds, []float64{5, 5, 5, 5}}
	after := deliveryHist{bounds, []float64{55, 103, 105, 105}} // 50 under 1 ms, 48 in 1-2 ms, 2 in 2-4 ms
	d := after.since(before)
	for _, c := range []struct{ q, lo, hi float64 }{{0.5, 0, 0.001}, {0.51, 0.001, 0.002}, {0.98, 0.001, 0.002}, {0.99, 0.002, 0.004}} {
		if lo, hi, ok := d.quantile(c.q); !ok || lo != c.lo || hi != c.hi {
			t.Fatalf("q%v: %v-%v (%v), want %v-%v", c.q, lo, hi, ok, c.lo, c.hi)
		}
	}
	if s := d.plus(d).String(); s != "p50 0.00-1.00 ms, p99 2.00-4.00 ms (200 deliveries)" {
		t.Fatalf("two instances together: %q", s)
	}
	if _, _, ok := (deliveryHist{}).quantile(0.5); ok {
		t.Fatal("an empty histogram gave a quantile")
	}
	if s := before.since(before).String(); s != "no deliveries" {
		t.Fatalf("no deliveries in between: %q", s)
	}
	// A scrape that failed leaves the figure unknown, not the whole run's.
	if s := after.since(deliveryHist{}).String(); s != "not read from the relay" {
		t.Fatalf("the first scrape failed: %q", s)
	}
	if s := d.plus(deliveryHist{}).String(); s != "not read from the relay" {
		t.Fatalf("one instance's scrape failed: %q", s)
	}
}
