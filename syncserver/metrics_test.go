package main

import (
	"io"
	"net/http"
	"regexp"
	"testing"
)

// TestMetricsOnlyOnTheirOwnListener: /metrics is served on
// --metrics-listen and not on the relay's WebSocket address.
func TestMetricsOnlyOnTheirOwnListener(t *testing.T) {
	dir := t.TempDir()
	relay := serveRelay(t, dir, "--metrics-listen")
	addr, metrics, log := relay.addr, relay.metrics, relay.log
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("%s: %v\n%s", url, err, log)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("http://" + metrics + "/metrics"); code != http.StatusOK {
		t.Errorf("metrics listener: %d", code)
	}
	if code := get("http://" + addr + "/metrics"); code != http.StatusNotFound {
		t.Errorf("the relay's own address serves metrics: %d", code)
	}
}

// TestARelayOnOneCPURunsTwoGoroutinesAtOnce: confined to one CPU, Go would
// give the relay one P, and every group commit's disk sync would then hold
// up the reading of pushes and the fan-out of records for as long as it
// lasts. The relay keeps two (procs.AtLeastTwo), as its Go metrics say.
func TestARelayOnOneCPURunsTwoGoroutinesAtOnce(t *testing.T) {
	relay := serveRelay(t, t.TempDir(), "--metrics-listen", "on one CPU")
	resp, err := http.Get("http://" + relay.metrics + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v\n%s", err, relay.log)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^go_sched_gomaxprocs_threads (\S+)$`).FindSubmatch(body)
	if line == nil {
		t.Fatalf("no go_sched_gomaxprocs_threads in the relay's metrics:\n%s", body)
	}
	if string(line[1]) != "2" {
		t.Fatalf("the relay on one CPU runs %s Ps, want 2", line[1])
	}
}
