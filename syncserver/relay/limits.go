package relay

import (
	"net"
	"net/http"
	"time"

	"pairwise/syncserver/wsserve"
)

// remoteIP is the address a connection counts against for
// Limits.MaxConnsPerAddr. Behind a reverse proxy every connection comes
// from the proxy, so raise the limit there.
func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// clearDeadlines lifts the read and write deadlines the HTTP server set
// for the upgrade request (ReadTimeout, WriteTimeout), which would cut a
// long-lived WebSocket connection. net/http's Hijack clears them today, but
// its documentation says a hijacked connection may keep them, so the relay
// does not rely on it. The connection's own timeouts (hello, subscribe,
// ping, write) take over.
func clearDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
}

// NewHTTPServer returns an http.Server for h with timeouts that stop idle
// or slow HTTP clients from holding file descriptors: the request (header
// and body) must arrive within ReadTimeout, and a keep-alive connection
// that sends nothing for a minute is closed. WebSocket connections are not
// affected once upgraded (see clearDeadlines).
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
	}
}

// awaitAdmission closes the connection unless it opens a pair (a Subscribe
// whose capability matched, or a Create with a valid token) within
// Limits.SubscribeTimeout, so a client that only says hello and answers
// pings cannot hold a connection slot. It returns a function that stops
// the timer.
func (c *conn) awaitAdmission() (stop func() bool) {
	d := c.s.limits.SubscribeTimeout
	if d <= 0 {
		return func() bool { return false }
	}
	t := time.AfterFunc(d, func() {
		if c.admitted.Load() {
			return
		}
		c.s.m.idleClosed.Inc()
		c.log.Info("closed a connection that opened no pair in time")
		c.finish(wsserve.StatusPolicyViolation, "no pair was opened within "+d.String()+" of connecting; connect when there is a pair to sync")
	})
	return t.Stop
}

// admit marks the connection as one that opened a pair.
func (c *conn) admit() { c.admitted.Store(true) }

// reserveQueued counts n bytes against Limits.MaxQueuedTotal, reporting
// false (and counting nothing) when that would pass it.
func (s *Server) reserveQueued(n int) bool {
	limit := s.limits.MaxQueuedTotal
	for {
		cur := s.queued.Load()
		if limit > 0 && cur+int64(n) > limit {
			return false
		}
		if s.queued.CompareAndSwap(cur, cur+int64(n)) {
			return true
		}
	}
}

// releaseQueued gives back the bytes of frames written or discarded.
func (s *Server) releaseQueued(frames ...[]byte) {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	if n > 0 {
		s.queued.Add(-int64(n))
	}
}
