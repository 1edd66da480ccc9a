package wsserve

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// Poller reads many connections with one goroutine waiting for all of them
// (epoll). A connection's descriptor sits in this epoll set as well as in Go's
// own netpoller: the set is one-shot, so it reports a connection once and a
// goroutine then reads the frames waiting with ordinary (netpoller) reads,
// and re-arms the connection when none are left.
type Poller struct {
	epfd int
	wake int // an eventfd that ends the waiting goroutine

	mu     sync.RWMutex // over closed and conns; readers arm, Close writes
	closed bool
	conns  map[uint64]*Conn
	next   uint64
	done   chan struct{}
}

// wakeID is the epoll key of the eventfd.
const wakeID = 0

// NewPoller starts a Poller. Close it when no connection needs it.
func NewPoller() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("wsserve: epoll_create: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("wsserve: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setKey(&ev, wakeID)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("wsserve: epoll_ctl: %w", err)
	}
	p := &Poller{epfd: epfd, wake: wake, conns: map[uint64]*Conn{}, next: wakeID + 1, done: make(chan struct{})}
	go p.run()
	return p, nil
}

// The key in an epoll event's 64-bit data, held in its Fd and Pad fields.
func setKey(ev *unix.EpollEvent, k uint64) { ev.Fd, ev.Pad = int32(uint32(k)), int32(uint32(k>>32)) }
func key(ev *unix.EpollEvent) uint64       { return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32 }

// Serve starts reading c and handing what it reads to h. It returns at
// once. A connection the Poller cannot watch (TLS) gets a goroutine of its
// own, as everywhere on a nil Poller.
func (p *Poller) Serve(c *Conn, h Handler) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.h = h
	if p == nil || c.raw == nil {
		go c.serveBlocking()
		return
	}
	p.mu.Lock()
	closed := p.closed
	if !closed {
		c.poll, c.id = p, p.next
		p.next++
		p.conns[c.id] = c
	}
	p.mu.Unlock()
	if closed {
		go c.serveBlocking()
		return
	}
	if len(c.rest) > 0 {
		go c.readReady() // bytes arrived with the handshake
		return
	}
	if err := c.arm(); err != nil {
		c.end(err)
	}
}

// serveBlocking reads c on this goroutine until it ends.
func (c *Conn) serveBlocking() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.readFrames(false)
}

// readReady reads the frames waiting on c, then asks to hear of the next.
func (c *Conn) readReady() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if !c.readFrames(true) {
		return
	}
	if err := c.arm(); err != nil {
		c.end(err)
	}
}

// arm asks the Poller to report c once when it has bytes to read, or is
// closed or reset; call it with rmu held.
func (c *Conn) arm() error {
	p := c.poll
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return errors.New("wsserve: the poller is closed")
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	setKey(&ev, c.id)
	op := unix.EPOLL_CTL_MOD
	if !c.armed {
		op = unix.EPOLL_CTL_ADD
	}
	var cerr error
	err := c.raw.Control(func(fd uintptr) {
		cerr = unix.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wsserve: epoll_ctl: %w", err)
	}
	c.armed = true
	return nil
}

// forget drops c from the Poller; its descriptor left the epoll set when
// it was closed.
func (p *Poller) forget(c *Conn) {
	p.mu.Lock()
	delete(p.conns, c.id)
	p.mu.Unlock()
}

func (p *Poller) run() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			panic("wsserve: epoll_wait: " + err.Error())
		}
		p.mu.RLock()
		for i := range events[:n] {
			k := key(&events[i])
			if k == wakeID {
				p.mu.RUnlock()
				return
			}
			if c := p.conns[k]; c != nil {
				go c.readReady()
			}
		}
		p.mu.RUnlock()
	}
}

// Close stops the Poller. Connections it still watches are ended.
func (p *Poller) Close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	left := make([]*Conn, 0, len(p.conns))
	for _, c := range p.conns {
		left = append(left, c)
	}
	p.mu.Unlock()
	var one [8]byte
	one[7] = 1
	if _, err := unix.Write(p.wake, one[:]); err != nil {
		return fmt.Errorf("wsserve: eventfd write: %w", err)
	}
	<-p.done
	for _, c := range left {
		c.CloseNow()
	}
	unix.Close(p.wake)
	return unix.Close(p.epfd)
}
