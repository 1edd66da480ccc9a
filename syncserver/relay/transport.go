package relay

import (
	"log/slog"
	"time"

	"pairwise/syncserver/wsserve"
)

// transport is the WebSocket under a connection: conn.go writes frames,
// pings and closes through it, and it calls the connection's Message for
// each message read and Closed once at the end (wsserve.Handler).
type transport interface {
	Write(frame []byte) error        // one binary message, within Limits.WriteTimeout
	WriteMany(frames [][]byte) error // each a binary message, in order, in as few writes as fit
	Ping() error                     // fails if the last ping had no answer
	Close(status wsserve.StatusCode, reason string) error
	CloseNow()
}

var (
	_ transport       = (*wsserve.Conn)(nil)
	_ wsserve.Handler = (*conn)(nil)
)

// readLinger is how long a connection that sent something keeps its
// reading goroutine, waiting for more, before the Poller takes it back
// (wsserve.NewPoller): a client sending in a burst reads as fast as with a
// goroutine of its own, and one that went quiet soon costs none. Longer
// lingers cost memory when many clients connect at once: with a second,
// 10,000 connections opened in six seconds held 8.5 KiB each afterwards,
// with 100 ms 5.5 KiB.
const readLinger = 100 * time.Millisecond

// newPoller starts the reader of every connection. Without one (it failed
// to start, which it should not) each connection reads on a goroutine of
// its own, as on systems other than Linux.
func newPoller(log *slog.Logger, linger time.Duration) *wsserve.Poller {
	p, err := wsserve.NewPoller(linger)
	if err != nil {
		log.Warn("each connection will hold a goroutine", "err", err)
		return nil
	}
	return p
}

// refused reads a connection the relay turned away until it closes.
type refused struct{}

func (refused) Message(wsserve.MessageType, []byte) error { return nil }
func (refused) Closed(error)                              {}
