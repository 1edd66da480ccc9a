// Package relaytest helps tests run the real relay binary: it collects the
// relay's log while the relay writes it, and reads from the log the
// addresses the relay bound. Every listener is given port 0, so the relay
// binds a free port itself and no port is chosen by a test and handed
// over, which another process could take in between.
package relaytest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
)

// Log collects a relay process's output; tests read it while the process
// still writes.
type Log struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Bytes returns a copy of what was written so far.
func (l *Log) Bytes() []byte { return []byte(l.String()) }

// Served reads a relay's JSON log (`--log-format json`) and maps each
// message that names a URL ("relay serving", "metrics serving",
// "profiler serving") to the host:port of that URL. A listener is bound
// before its line is logged, so a connection made after it is accepted.
func Served(log string) map[string]string {
	got := map[string]string{}
	for _, line := range strings.Split(log, "\n") {
		var e struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &e) != nil || e.URL == "" {
			continue
		}
		if u, err := url.Parse(e.URL); err == nil && u.Host != "" {
			got[e.Msg] = u.Host
		}
	}
	return got
}
