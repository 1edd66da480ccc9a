package main

import (
	"io"
	"net/http"
	"strings"
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

// metric reads the value of the Go runtime metric name from a relay's
// metrics listener.
func metric(t *testing.T, relay *served, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + relay.metrics + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v\n%s", err, relay.log)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("no %s in the relay's metrics:\n%s", name, body)
	return ""
}

// TestARelayOnOneCPURunsTwoGoroutinesAtOnce: confined to one CPU, Go would
// give the relay one P, and every group commit's disk sync would then hold
// up the reading of pushes and the fan-out of records for as long as it
// lasts. The relay keeps two (procs.AtLeastTwo), as its Go metrics say.
func TestARelayOnOneCPURunsTwoGoroutinesAtOnce(t *testing.T) {
	relay := serveRelay(t, t.TempDir(), "--metrics-listen", "on one CPU")
	if got := metric(t, relay, "go_sched_gomaxprocs_threads"); got != "2" {
		t.Fatalf("the relay on one CPU runs %s Ps, want 2", got)
	}
}

// TestGCPercent: the relay collects at --gc-percent, 25 unless told
// otherwise; GOGC in the environment sets it when the flag is not given.
func TestGCPercent(t *testing.T) {
	gogc := func(env string, extra ...string) string {
		t.Helper()
		t.Setenv("GOGC", env)
		relay := serveRelay(t, t.TempDir(), append([]string{"--metrics-listen"}, extra...)...)
		return metric(t, relay, "go_gc_gogc_percent")
	}
	for _, c := range []struct {
		env   string
		extra []string
		want  string
	}{
		{"", nil, "25"},
		{"80", nil, "80"},
		{"", []string{"--gc-percent", "60"}, "60"},
		{"80", []string{"--gc-percent", "60"}, "60"},
	} {
		if got := gogc(c.env, c.extra...); got != c.want {
			t.Errorf("GOGC=%q, flags %q: the relay collects at %s%%, want %s%%", c.env, c.extra, got, c.want)
		}
	}
	if _, e, code := relayCmd(t, "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--gc-percent", "0"); code == 0 || !strings.Contains(e, "--gc-percent") {
		t.Errorf("--gc-percent 0: exit %d, %q", code, e)
	}
}
