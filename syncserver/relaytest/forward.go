package relaytest

import (
	"io"
	"net"
	"sync"
	"time"
)

// Forwarder stands in for the load balancer in front of several relay
// instances: one loopback address, each new connection forwarded to the
// next instance in turn, skipping any that does not answer, as a balancer
// with health checks would. Open connections stay with their instance and
// end with it.
type Forwarder struct {
	ln net.Listener

	mu    sync.Mutex
	ups   []string
	next  int
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// Forward starts forwarding to the upstream host:port addresses.
func Forward(upstreams ...string) (*Forwarder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &Forwarder{ln: ln, ups: upstreams, conns: map[net.Conn]bool{}}
	f.wg.Add(1)
	go f.accept()
	return f, nil
}

// Addr is the address clients connect to.
func (f *Forwarder) Addr() string { return f.ln.Addr().String() }

// SetUpstreams replaces the instances new connections go to.
func (f *Forwarder) SetUpstreams(upstreams ...string) {
	f.mu.Lock()
	f.ups = upstreams
	f.mu.Unlock()
}

// Close stops forwarding and cuts every open connection.
func (f *Forwarder) Close() {
	f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *Forwarder) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go f.serve(c)
	}
}

// dial connects to the next instance that answers.
func (f *Forwarder) dial() net.Conn {
	f.mu.Lock()
	ups := append([]string(nil), f.ups...)
	start := f.next
	f.next++
	f.mu.Unlock()
	for i := range ups {
		up, err := net.DialTimeout("tcp", ups[(start+i)%len(ups)], time.Second)
		if err == nil {
			return up
		}
	}
	return nil
}

func (f *Forwarder) serve(c net.Conn) {
	defer f.wg.Done()
	up := f.dial()
	if up == nil {
		c.Close()
		return
	}
	if !f.track(c, up) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
	f.mu.Lock()
	delete(f.conns, c)
	delete(f.conns, up)
	f.mu.Unlock()
}

// track records an open pair of connections, unless the forwarder closed.
func (f *Forwarder) track(c, up net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		c.Close()
		up.Close()
		return false
	}
	f.conns[c], f.conns[up] = true, true
	return true
}
