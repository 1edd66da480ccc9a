// Package wsserve is the relay's side of WebSocket (RFC 6455) connections:
// the upgrade, frames, pings and the close handshake, built so that an idle
// connection holds no goroutine and no buffer. On Linux a Poller waits for
// every connection's next frame in one epoll set and reads it on a
// goroutine that lasts as long as the frames waiting; elsewhere, and for
// TLS connections, each connection keeps a goroutine that waits in Read.
//
// Clients are github.com/coder/websocket; this package speaks the subset of
// the protocol they use with the relay: no extensions (so no compression),
// one subprotocol.
package wsserve

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// StatusCode is a close status (RFC 6455 section 7.4); the values are
// those of github.com/coder/websocket, which clients compare against.
type StatusCode int

const (
	StatusNormalClosure           StatusCode = 1000
	StatusGoingAway               StatusCode = 1001
	StatusProtocolError           StatusCode = 1002
	StatusUnsupportedData         StatusCode = 1003
	StatusNoStatusRcvd            StatusCode = 1005
	StatusInvalidFramePayloadData StatusCode = 1007
	StatusPolicyViolation         StatusCode = 1008
	StatusMessageTooBig           StatusCode = 1009
	StatusInternalError           StatusCode = 1011
	StatusTryAgainLater           StatusCode = 1013
)

// CloseError is the close frame a peer sent.
type CloseError struct {
	Code   StatusCode
	Reason string
}

func (e CloseError) Error() string {
	return fmt.Sprintf("websocket: peer closed with status %d and reason %q", e.Code, e.Reason)
}

// ErrClosed is returned by writes after the connection began to close.
var ErrClosed = errors.New("websocket: connection closed")

// ErrNoPong is returned by Ping when the previous ping has had no answer.
var ErrNoPong = errors.New("websocket: no answer to the last ping")

// closeWait is how long Close waits for the peer's close frame.
const closeWait = 5 * time.Second

// ReaderIdle is how long a Poller's reading goroutine, its connection
// quiet, waits to read the next connection that sends something before it
// ends (see NewPoller).
const ReaderIdle = 250 * time.Millisecond

// Options configure a connection.
type Options struct {
	Protocols    []string      // the subprotocols the server speaks, the one it prefers first
	ReadLimit    int64         // largest data message a peer may send
	WriteTimeout time.Duration // for one frame to be written
}

// Handler receives what a connection reads. Its calls for one connection
// never overlap.
type Handler interface {
	// Message handles one data message; b is the handler's to keep. An
	// error stops delivery: the connection then reads only to see the
	// peer's answer to a Close, which the handler should start.
	Message(typ MessageType, b []byte) error
	// Closed is called once, after the connection is closed, with why.
	Closed(err error)
}

// Conn is the server side of one WebSocket connection.
type Conn struct {
	nc       net.Conn
	raw      syscall.RawConn // nil when the Poller cannot watch it (TLS)
	protocol string
	timeout  time.Duration

	// The reader: whichever goroutine holds rmu reads, and only it.
	rmu     sync.Mutex
	h       Handler
	dec     decoder
	rest    []byte // bytes the HTTP server read past the handshake
	failed  bool   // the handler returned an error
	ended   bool   // Closed has been called
	poll    *Poller
	polled  // the Poller's state for c (poll_*.go)
	waiting atomic.Bool

	wmu        sync.Mutex // one frame written at a time
	closeSent  bool
	closeTimer *time.Timer
}

// Upgrade answers a client's WebSocket handshake and takes over its
// connection. It answers a malformed handshake itself and returns an error.
// The connection reads nothing until it is given to a Poller.
func Upgrade(w http.ResponseWriter, r *http.Request, opts Options) (*Conn, error) {
	fail := func(code int, msg string) (*Conn, error) {
		if code == http.StatusUpgradeRequired {
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, msg, code)
		return nil, errors.New("websocket: " + msg)
	}
	if r.Method != http.MethodGet || !r.ProtoAtLeast(1, 1) {
		return fail(http.StatusMethodNotAllowed, "a WebSocket handshake is an HTTP/1.1 GET")
	}
	if !hasToken(r.Header, "Connection", "upgrade") || !hasToken(r.Header, "Upgrade", "websocket") {
		return fail(http.StatusUpgradeRequired, "this address takes WebSocket connections only")
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return fail(http.StatusUpgradeRequired, "only WebSocket version 13 is supported")
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		return fail(http.StatusBadRequest, "the Sec-WebSocket-Key header is not 16 bytes in base64")
	}
	proto := ""
	for _, p := range opts.Protocols {
		if p != "" && hasToken(r.Header, "Sec-WebSocket-Protocol", p) {
			proto = p
			break
		}
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fail(http.StatusInternalServerError, "cannot take over the connection: "+err.Error())
	}
	var resp strings.Builder
	resp.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	resp.WriteString(acceptKey(key))
	if proto != "" {
		resp.WriteString("\r\nSec-WebSocket-Protocol: ")
		resp.WriteString(proto)
	}
	resp.WriteString("\r\n\r\n")
	timeout := opts.WriteTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, resp.String()); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	c := &Conn{nc: nc, protocol: proto, timeout: timeout, dec: decoder{limit: opts.ReadLimit}}
	if c.dec.limit <= 0 {
		c.dec.limit = 32 << 10
	}
	if n := brw.Reader.Buffered(); n > 0 {
		c.rest, _ = brw.Reader.Peek(n)
		c.rest = append([]byte(nil), c.rest...)
	}
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	return c, nil
}

// acceptKey is the Sec-WebSocket-Accept answer to key (RFC 6455 section 4.2.2).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// hasToken reports whether a comma-separated header holds token, ignoring
// case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Subprotocol is the subprotocol agreed in the handshake, or "" when the
// client offered none of Options.Protocols.
func (c *Conn) Subprotocol() string { return c.protocol }

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Write sends b as one binary message.
func (c *Conn) Write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return ErrClosed
	}
	return c.writeFrame(opBinary, b)
}

// WriteMany writes each of frames as a binary message, in order. Small
// ones go to the connection together, in as few system calls as fit in
// one buffer, instead of one call each: a busy connection's queue of
// records, acknowledgements and notices then costs one write.
func (c *Conn) WriteMany(frames [][]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return ErrClosed
	}
	for len(frames) > 0 {
		if len(frames[0]) > smallFrame || len(frames) == 1 {
			if err := c.writeFrame(opBinary, frames[0]); err != nil {
				return err
			}
			frames = frames[1:]
			continue
		}
		c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
		bp := batchBufs.Get().(*[]byte)
		b := (*bp)[:0]
		for len(frames) > 0 && len(frames[0]) <= smallFrame && len(b)+maxHeader+len(frames[0]) <= cap(b) {
			var hdr [maxHeader]byte
			b = append(b, hdr[:putHeader(hdr[:], opBinary, len(frames[0]))]...)
			b = append(b, frames[0]...)
			frames = frames[1:]
		}
		_, err := c.nc.Write(b)
		*bp = b
		batchBufs.Put(bp)
		if err != nil {
			return err
		}
	}
	return nil
}

// batchBufs hold the small frames WriteMany sends in one write.
var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// writeFrame writes one frame; call it with wmu held.
func (c *Conn) writeFrame(op byte, p []byte) error {
	c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	if len(p) > smallFrame {
		return c.writeLarge(op, p)
	}
	// One write of a copy costs less than a writev for small frames.
	bp := smallBufs.Get().(*[]byte)
	b := (*bp)[:maxHeader]
	b = append(b[:putHeader(b, op, len(p))], p...)
	_, err := c.nc.Write(b)
	smallBufs.Put(bp)
	return err
}

// smallFrame is the largest payload writeFrame copies after its header.
const smallFrame = 1024

var smallBufs = sync.Pool{New: func() any { b := make([]byte, maxHeader+smallFrame); return &b }}

func (c *Conn) writeLarge(op byte, p []byte) error {
	var hdr [maxHeader]byte
	n := putHeader(hdr[:], op, len(p))
	bufs := net.Buffers{hdr[:n], p}
	_, err := bufs.WriteTo(c.nc)
	return err
}

// Ping sends a ping. It returns ErrNoPong, and sends nothing, while the
// previous ping is unanswered, so a caller that pings on a timer finds a
// peer that stopped answering.
func (c *Conn) Ping() error {
	if c.waiting.Load() {
		return ErrNoPong
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return ErrClosed
	}
	c.waiting.Store(true)
	return c.writeFrame(opPing, nil)
}

// Close sends a close frame with status and reason and closes the
// connection once the peer answers with its own, or after five seconds.
// The reason is cut to fit a control frame. It does not wait.
func (c *Conn) Close(status StatusCode, reason string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return nil
	}
	c.closeSent = true
	if err := c.writeFrame(opClose, closePayload(status, reason)); err != nil {
		c.CloseNow()
		return err
	}
	c.closeTimer = time.AfterFunc(closeWait, c.CloseNow)
	return nil
}

// CloseNow closes the connection without a close handshake.
func (c *Conn) CloseNow() {
	c.nc.Close()
	// Once its descriptor is closed the Poller hears nothing more of the
	// connection, so end it here unless a reader is about to.
	go func() {
		c.rmu.Lock()
		defer c.rmu.Unlock()
		c.end(net.ErrClosed)
	}()
}

// end closes the connection and tells the handler; call it with rmu held.
func (c *Conn) end(err error) {
	if c.ended {
		return
	}
	c.ended = true
	c.nc.Close()
	if c.poll != nil {
		c.poll.forget(c)
	}
	c.wmu.Lock()
	c.closeSent = true
	if c.closeTimer != nil {
		c.closeTimer.Stop()
	}
	c.wmu.Unlock()
	if c.h != nil {
		c.h.Closed(err)
	}
}

// connReader reads the bytes the HTTP server had buffered, then the
// connection.
type connReader Conn

func (r *connReader) Read(p []byte) (int, error) {
	if len(r.rest) > 0 {
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, nil
	}
	return r.nc.Read(p)
}

// readers lend a read buffer to a connection for as long as it has bytes
// waiting, so an idle connection holds none.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// borrowReader lends c a read buffer; give it back with returnReader.
func (c *Conn) borrowReader() *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset((*connReader)(c))
	return br
}

func returnReader(br *bufio.Reader) {
	br.Reset(nil)
	readers.Put(br)
}

// readFrames reads and acts on what the peer sent, with rmu held: with
// once set, until no byte is left waiting in br; otherwise until the
// connection ends. It reports false when the connection has ended.
func (c *Conn) readFrames(br *bufio.Reader, once bool) bool {
	if c.ended {
		return false
	}
	for {
		ev, err := c.dec.next(br)
		if err == nil {
			err = c.act(ev)
		}
		if err != nil {
			var pe *protoError
			if errors.As(err, &pe) {
				c.Close(pe.Status, pe.Reason)
			}
			c.end(err)
			return false
		}
		if once && br.Buffered() == 0 && len(c.rest) == 0 {
			return true
		}
	}
}

// serveBlocking reads c on this goroutine until it ends.
func (c *Conn) serveBlocking() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	br := c.borrowReader()
	defer returnReader(br)
	c.readFrames(br, false)
}

// act handles one event read from the peer. An error ends the connection.
func (c *Conn) act(ev event) error {
	switch ev.op {
	case opPing:
		c.wmu.Lock()
		defer c.wmu.Unlock()
		if c.closeSent {
			return nil
		}
		return c.writeFrame(opPong, ev.payload)
	case opPong:
		c.waiting.Store(false)
		return nil
	case opClose:
		ce, err := parseClose(ev.payload)
		if err != nil {
			return err
		}
		c.wmu.Lock()
		if !c.closeSent {
			c.closeSent = true
			c.writeFrame(opClose, closePayload(ce.Code, ""))
		}
		c.wmu.Unlock()
		return ce
	}
	if c.failed || c.h == nil {
		return nil
	}
	if err := c.h.Message(MessageType(ev.op), ev.payload); err != nil {
		c.failed = true
	}
	return nil
}
