//go:build !linux

package wsserve

// Poller serves each connection with a goroutine of its own where there is
// no epoll.
type Poller struct{}

// NewPoller returns a Poller.
func NewPoller() (*Poller, error) { return &Poller{}, nil }

// Serve starts reading c and handing what it reads to h. It returns at
// once.
func (p *Poller) Serve(c *Conn, h Handler) {
	c.rmu.Lock()
	c.h = h
	c.rmu.Unlock()
	go c.serveBlocking()
}

// serveBlocking reads c on this goroutine until it ends.
func (c *Conn) serveBlocking() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.readFrames(false)
}

// Close stops the Poller.
func (p *Poller) Close() error { return nil }

func (p *Poller) forget(*Conn) {}
