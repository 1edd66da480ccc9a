package main

import (
	"net/http"
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
