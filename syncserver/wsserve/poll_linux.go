package wsserve

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Poller reads many connections with one goroutine waiting for all of them
// (epoll). A connection's descriptor sits in this epoll set as well as in
// Go's own netpoller: the set is one-shot, so it reports a connection once
// and a goroutine then reads the frames waiting with ordinary (netpoller)
// reads, and re-arms the connection when none are left.
//
// The epoll set itself waits in Go's netpoller too (an epoll descriptor is
// readable while it has events), so the goroutine that takes its events
// parks like any reader instead of holding a thread and a P in epoll_wait.
type Poller struct {
	linger time.Duration
	work   chan *Conn      // readers with nothing to read wait here for the next
	began  atomic.Int64    // reading goroutines started
	ep     *os.File        // the epoll set
	raw    syscall.RawConn // ep's descriptor, for waiting
	epfd   int             // ep's descriptor, for epoll_ctl under mu
	mu     sync.RWMutex    // over closed and conns; Close holds it to close ep
	done   chan struct{}

	closed bool
	conns  map[uint64]*Conn
	next   uint64
}

// NewPoller starts a Poller. A connection that sent something keeps a
// goroutine and a read buffer for linger, waiting for more, before it goes
// back to the epoll set: so busy connections read as fast as with a
// goroutine each, and idle ones cost none. Close the Poller when no
// connection needs it.
//
// The goroutine then waits up to ReaderIdle to read the next connection
// that sends something, rather than ending: a new goroutine's stack is
// small, and decoding a frame grew it by copying on every message (8% of
// the relay's CPU in W2, where each writer sends every 200 ms).
func NewPoller(linger time.Duration) (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("wsserve: epoll_create: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("wsserve: epoll set non-blocking: %w", err)
	}
	ep := os.NewFile(uintptr(epfd), "epoll") // non-blocking: Go's netpoller watches it
	raw, err := ep.SyscallConn()
	if err != nil {
		ep.Close()
		return nil, fmt.Errorf("wsserve: epoll descriptor: %w", err)
	}
	p := &Poller{linger: linger, work: make(chan *Conn), ep: ep, raw: raw, epfd: epfd, conns: map[uint64]*Conn{}, next: 1, done: make(chan struct{})}
	go p.run()
	return p, nil
}

// polled is a connection's state in a Poller. The functions are made once,
// so that reading and re-arming a connection allocate nothing.
type polled struct {
	id     uint64 // the key of its events
	armed  bool   // in the epoll set
	ctl    func(fd uintptr)
	ctlOp  int
	ctlErr error
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
	if c.ended {
		return // closed already, as a refused connection may be
	}
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
		c.ctl = c.epollCtl
	}
	p.mu.Unlock()
	if closed {
		go c.serveBlocking()
		return
	}
	if len(c.rest) > 0 {
		p.dispatch(c) // bytes arrived with the handshake
		return
	}
	if err := c.arm(); err != nil {
		c.end(err)
	}
}

// readReady reads the frames waiting on c and those that follow within the
// Poller's linger, then asks to hear of the next.
func (c *Conn) readReady() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		br := c.borrowReader()
		ok := c.readFrames(br, true)
		returnReader(br)
		if !ok {
			return
		}
		if !c.linger() {
			break
		}
	}
	if err := c.arm(); err != nil {
		c.end(err)
	}
}

// linger waits up to the Poller's linger for another frame to begin,
// reporting whether one did (or the connection failed: the next read says
// so). It holds no buffer while it waits. A connection that is sending
// keeps its goroutine this way, and reads at the cost of one with a
// goroutine of its own; one that stops goes back to costing nothing.
func (c *Conn) linger() bool {
	d := c.poll.linger
	if d <= 0 {
		return false
	}
	c.nc.SetReadDeadline(time.Now().Add(d))
	err := c.raw.Read(peekFd)
	c.nc.SetReadDeadline(time.Time{})
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// peekFd reports whether fd has a byte to read, or an end or error to
// report, without reading it: RawConn.Read waits for readability while it
// returns false.
func peekFd(fd uintptr) bool {
	var b [1]byte
	_, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err != unix.EAGAIN && err != unix.EINTR
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
	c.ctlOp = unix.EPOLL_CTL_MOD
	if !c.armed {
		c.ctlOp = unix.EPOLL_CTL_ADD
	}
	// Control holds the descriptor open, so a number reused by a newer
	// connection is never re-armed under this one's key.
	err := c.raw.Control(c.ctl)
	if err == nil {
		err = c.ctlErr
	}
	if err != nil {
		return fmt.Errorf("wsserve: epoll_ctl: %w", err)
	}
	c.armed = true
	return nil
}

// epollCtl re-arms c's descriptor fd; it runs inside RawConn.Control.
func (c *Conn) epollCtl(fd uintptr) {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	setKey(&ev, c.id)
	c.ctlErr = unix.EpollCtl(c.poll.epfd, c.ctlOp, int(fd), &ev)
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
		var n int
		err := p.raw.Read(func(epfd uintptr) bool {
			var werr error
			for {
				n, werr = unix.EpollWait(int(epfd), events, 0)
				if werr != unix.EINTR {
					break
				}
			}
			if werr != nil {
				panic("wsserve: epoll_wait: " + werr.Error())
			}
			return n > 0 // else wait until the set is readable again
		})
		if err != nil {
			return // closed
		}
		p.mu.RLock()
		for i := range events[:n] {
			if c := p.conns[key(&events[i])]; c != nil {
				p.dispatch(c)
			}
		}
		p.mu.RUnlock()
	}
}

// dispatch has c read by a goroutine waiting for work, or a new one.
func (p *Poller) dispatch(c *Conn) {
	select {
	case p.work <- c:
	default:
		p.began.Add(1)
		go p.reader(c)
	}
}

// reader reads c, then each connection dispatch hands it, until none comes
// for ReaderIdle or the Poller closes; it waits with its stack kept
// (stack.go).
func (p *Poller) reader(c *Conn) {
	keepStack(func() { p.readLoop(c) })
}

func (p *Poller) readLoop(c *Conn) {
	idle := time.NewTimer(ReaderIdle)
	defer idle.Stop()
	for {
		c.readReady()
		idle.Reset(ReaderIdle)
		select {
		case c = <-p.work:
		case <-idle.C:
			return
		case <-p.done:
			return
		}
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
	err := p.ep.Close()
	p.mu.Unlock()
	<-p.done
	for _, c := range left {
		c.CloseNow()
	}
	return err
}
