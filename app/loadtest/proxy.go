package main

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// proxy forwards TCP connections on loopback to the relay and counts the
// bytes flowing back to the client: the HTTP upgrade response plus every
// WebSocket frame, which is what the anchors count as "bytes received".
type proxy struct {
	ln     net.Listener
	target string
	down   atomic.Int64 // relay → client

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startProxy(target string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *proxy) url() string { return "ws://" + p.ln.Addr().String() }

// received is how many bytes the relay has sent through the proxy so far.
func (p *proxy) received() int64 { return p.down.Load() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(up, c, nil)
		go p.pipe(c, up, &p.down)
	}
}

// pipe copies src to dst, counting into n, and closes both when either
// side ends so the other direction ends too.
func (p *proxy) pipe(dst, src net.Conn, n *atomic.Int64) {
	defer p.wg.Done()
	var w io.Writer = dst
	if n != nil {
		w = counter{dst, n}
	}
	io.Copy(w, src)
	dst.Close()
	src.Close()
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

type counter struct {
	w io.Writer
	n *atomic.Int64
}

func (c counter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}
