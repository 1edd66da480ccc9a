//go:build !linux

package wsserve

import "time"

// Poller serves each connection with a goroutine of its own where there is
// no epoll.
type Poller struct{}

// polled is a connection's state in a Poller: none here.
type polled struct{}

// NewPoller returns a Poller; linger is not used.
func NewPoller(linger time.Duration) (*Poller, error) { return &Poller{}, nil }

// Serve starts reading c and handing what it reads to h. It returns at
// once.
func (p *Poller) Serve(c *Conn, h Handler) {
	c.rmu.Lock()
	c.h = h
	c.rmu.Unlock()
	go c.serveBlocking()
}

// Close stops the Poller.
func (p *Poller) Close() error { return nil }

func (p *Poller) forget(*Conn) {}
