package relay

import (
	"context"
	"errors"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/wsserve"
)

// A connection's outgoing frames wait in its queue; a flush goroutine runs
// only while there is something to write, so a slow client never holds up
// the fan-out, and an idle connection costs no goroutine.

// send queues a message. It never blocks.
func (c *conn) send(m wire.Message) {
	if e, ok := m.(*wire.Error); ok {
		c.s.m.errors.WithLabelValues(string(e.Code)).Inc()
	}
	b, err := wire.Encode(m)
	if err != nil {
		c.log.Error("cannot encode a message", "type", m.WireType(), "err", err)
		return
	}
	c.enqueue(b)
}

func (c *conn) enqueue(frame []byte) { c.enqueueAt(frame, time.Time{}) }

// enqueueAt is enqueue of a frame of records the earliest of which arrived
// at at (zero for other frames).
func (c *conn) enqueueAt(frame []byte, at time.Time) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.dead || c.bye != nil {
		return
	}
	if c.qbytes+len(frame) > c.s.limits.MaxBacklog || !c.s.reserveQueued(len(frame)) {
		c.dropSlowLocked()
		return
	}
	if c.qat == nil && !at.IsZero() {
		c.qat = make([]time.Time, len(c.queue), len(c.queue)+1) // the frames before had none
	}
	if c.qat != nil {
		c.qat = append(c.qat, at)
	}
	c.queue = append(c.queue, frame)
	c.qbytes += len(frame)
	c.startFlush()
}

// waitQueue holds the reader while the queue is over half full, so a long
// backlog streams without crowding out the connection's memory.
func (c *conn) waitQueue(ctx context.Context) error {
	for {
		c.qmu.Lock()
		full, dead := c.qbytes > c.s.limits.MaxBacklog/2, c.dead
		c.qmu.Unlock()
		if dead {
			return errors.New("connection closed")
		}
		if !full {
			return nil
		}
		select {
		case <-c.drain:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *conn) dropSlow() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	c.dropSlowLocked()
}

func (c *conn) dropSlowLocked() {
	if c.dead {
		return
	}
	c.dead = true
	c.s.m.slowDropped.Inc()
	c.log.Info("dropped a subscriber that could not keep up")
	go c.ws.Close(wsserve.StatusTryAgainLater, "too slow to keep up; reconnect to catch up")
}

// fail sends a connection-level error and closes once it is written.
func (c *conn) fail(code wire.Code, msg string) {
	c.send(&wire.Error{Code: code, Msg: msg})
	status := wsserve.StatusPolicyViolation
	if code == wire.CodeTooLarge {
		status = wsserve.StatusMessageTooBig
	}
	c.finish(status, msg)
}

// finish closes the connection after the queue is written.
func (c *conn) finish(status wsserve.StatusCode, reason string) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.bye == nil {
		if len(reason) > 120 {
			reason = reason[:120] // a close reason must fit in a control frame
		}
		c.bye = &closing{status, reason}
		c.startFlush()
	}
}

// startFlush starts a flush goroutine unless one runs. Call it with qmu
// held.
func (c *conn) startFlush() {
	if !c.writing {
		c.writing = true
		go c.flush()
	}
}

// flush writes the queue until it is empty, then closes the connection if
// asked to, and ends.
func (c *conn) flush() {
	for {
		c.qmu.Lock()
		q, qat, bye, dead := c.queue, c.qat, c.bye, c.dead
		c.queue, c.qat, c.qbytes = nil, nil, 0
		if dead || len(q) == 0 {
			c.writing = false
			c.qmu.Unlock()
			c.s.releaseQueued(q...)
			select {
			case c.drain <- struct{}{}:
			default:
			}
			if !dead && bye != nil {
				c.ws.Close(bye.status, bye.reason)
			}
			return
		}
		c.qmu.Unlock()
		select {
		case c.drain <- struct{}{}:
		default:
		}
		err := c.ws.WriteMany(q)
		c.s.releaseQueued(q...)
		if err == nil && qat != nil {
			c.s.m.delivered(qat)
		}
		if err != nil {
			c.qmu.Lock()
			c.dead = true
			c.qmu.Unlock()
			c.ws.CloseNow()
			continue // ends above, the connection being dead
		}
		n := 0
		for _, f := range q {
			n += len(f)
		}
		c.s.m.bytesOut.Add(float64(n))
	}
}
