package wsserve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const testProtocol = "test.v1"

// echo is a Handler that writes back every message, and closes with the
// status and reason a message "close CODE REASON" asks for.
type echo struct {
	c      *Conn
	closed chan error
	mu     sync.Mutex
	n      int // messages handled
}

func (e *echo) Message(typ MessageType, b []byte) error {
	e.mu.Lock()
	e.n++
	e.mu.Unlock()
	var code int
	var reason string
	if !bytes.HasPrefix(b, []byte("close ")) {
	} else if n, _ := fmt.Sscanf(string(b), "close %d %s", &code, &reason); n == 2 {
		e.c.Close(StatusCode(code), strings.ReplaceAll(reason, "_", " "))
		return errors.New("asked to close")
	}
	if typ == MessageText {
		return e.c.Write(append([]byte("text:"), b...))
	}
	return e.c.Write(b)
}

func (e *echo) Closed(err error) { e.closed <- err }

// server serves echo handlers over real loopback connections, with a
// Poller or, when poll is false, a goroutine per connection.
type server struct {
	p     *Poller
	url   string
	conns chan *echo
}

func startServer(t testing.TB, poll bool) *server {
	return startServerLinger(t, poll, 0)
}

func startServerLinger(t testing.TB, poll bool, linger time.Duration) *server {
	t.Helper()
	var p *Poller
	if poll {
		var err error
		if p, err = NewPoller(linger); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{p: p, conns: make(chan *echo, 16)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Upgrade(w, r, Options{Protocols: []string{testProtocol}, ReadLimit: 1 << 20, WriteTimeout: 5 * time.Second})
		if err != nil {
			return
		}
		e := &echo{c: c, closed: make(chan error, 1)}
		p.Serve(c, e)
		s.conns <- e
	}))
	s.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	t.Cleanup(func() {
		hs.Close()
		if err := p.Close(); err != nil {
			t.Errorf("close the poller: %v", err)
		}
	})
	return s
}

func (s *server) dial(t testing.TB) (*websocket.Conn, *echo) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.url, &websocket.DialOptions{Subprotocols: []string{testProtocol}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(2 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	if ws.Subprotocol() != testProtocol {
		t.Fatalf("subprotocol %q, want %q", ws.Subprotocol(), testProtocol)
	}
	return ws, <-s.conns
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// modes runs f with a Poller that parks a connection as soon as it is
// quiet, with one that lets its reader linger, and with a goroutine per
// connection.
func modes(t *testing.T, f func(t *testing.T, s *server)) {
	t.Run("poller", func(t *testing.T) { f(t, startServer(t, true)) })
	t.Run("linger", func(t *testing.T) { f(t, startServerLinger(t, true, 50*time.Millisecond)) })
	t.Run("goroutine", func(t *testing.T) { f(t, startServer(t, false)) })
}

func TestEcho(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, _ := s.dial(t)
		ctx := ctx5(t)
		for _, n := range []int{0, 1, 125, 126, 4095, 4096, 65535, 65536, 1 << 20} {
			msg := bytes.Repeat([]byte{byte(n)}, n)
			if err := ws.Write(ctx, websocket.MessageBinary, msg); err != nil {
				t.Fatalf("write %d bytes: %v", n, err)
			}
			typ, got, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("read the echo of %d bytes: %v", n, err)
			}
			if typ != websocket.MessageBinary || !bytes.Equal(got, msg) {
				t.Fatalf("echo of %d bytes: got type %v with %d bytes", n, typ, len(got))
			}
		}
		if err := ws.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, got, err := ws.Read(ctx); err != nil || string(got) != "text:hi" {
			t.Fatalf("text message: got %q, %v, want %q", got, err, "text:hi")
		}
	})
}

// TestManyMessagesAtOnce: messages that arrive together are all handled,
// in order, whether or not they fill the read buffer.
func TestManyMessagesAtOnce(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, _ := s.dial(t)
		ctx := ctx5(t)
		const n = 500
		go func() {
			for i := range n {
				ws.Write(ctx, websocket.MessageBinary, fmt.Appendf(nil, "message %d", i))
			}
		}()
		for i := range n {
			_, got, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("read %d: %v", i, err)
			}
			if want := fmt.Sprintf("message %d", i); string(got) != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
	})
}

// TestServerCloseReachesClient: the status and reason of Close are what
// the client's Read reports, and the connection ends once it answers.
func TestServerCloseReachesClient(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, e := s.dial(t)
		ctx := ctx5(t)
		ws.Write(ctx, websocket.MessageBinary, []byte("close 1013 too_slow_to_keep_up"))
		_, _, err := ws.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusTryAgainLater || ce.Reason != "too slow to keep up" {
			t.Fatalf("client read: got %v, want close status 1013 with reason %q", err, "too slow to keep up")
		}
		var got CloseError
		if err := <-e.closed; !errors.As(err, &got) || got.Code != StatusTryAgainLater {
			t.Fatalf("server side ended with %v, want the client's answering close", err)
		}
	})
}

// TestClientClose: a client's close is answered, and ends the connection
// with its status and reason.
func TestClientClose(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, e := s.dial(t)
		if err := ws.Close(websocket.StatusNormalClosure, "bye"); err != nil {
			t.Fatalf("client close: %v, want a completed handshake", err)
		}
		var got CloseError
		if err := <-e.closed; !errors.As(err, &got) || got.Code != StatusNormalClosure || got.Reason != "bye" {
			t.Fatalf("server side ended with %v, want status 1000 and reason bye", err)
		}
	})
}

// TestReadLimit: a message over Options.ReadLimit closes the connection
// with StatusMessageTooBig.
func TestReadLimit(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, e := s.dial(t)
		ctx := ctx5(t)
		ws.Write(ctx, websocket.MessageBinary, make([]byte, 1<<20+1))
		if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			t.Fatalf("client read: got %v, want close status %d", err, websocket.StatusMessageTooBig)
		}
		if err := <-e.closed; err == nil {
			t.Fatal("connection ended with no error")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.n != 0 {
			t.Fatalf("%d messages handled, want none", e.n)
		}
	})
}

// TestPings: the server answers a client's ping, and its own Ping fails
// while the last one is unanswered.
func TestPings(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, e := s.dial(t)
		ctx := ctx5(t)
		// coder/websocket reads pongs only while something reads.
		reading := make(chan error, 1)
		readCtx, stopReading := context.WithCancel(ctx)
		go func() { _, _, err := ws.Read(readCtx); reading <- err }()
		if err := ws.Ping(ctx); err != nil {
			t.Fatalf("client ping: %v", err)
		}
		if err := e.c.Ping(); err != nil {
			t.Fatalf("first ping: %v", err)
		}
		for e.c.waiting.Load() {
			if ctx.Err() != nil {
				t.Fatal("the client never answered the relay's ping")
			}
			time.Sleep(time.Millisecond)
		}
		stopReading()
		<-reading

		// A client that does not read leaves the next ping unanswered.
		_, e2 := s.dial(t)
		if err := e2.c.Ping(); err != nil {
			t.Fatalf("ping: %v", err)
		}
		if err := e2.c.Ping(); !errors.Is(err, ErrNoPong) {
			t.Fatalf("second ping with the first unanswered: got %v, want %v", err, ErrNoPong)
		}
	})
}

// TestCloseNowEndsAnIdleConnection: a connection closed while nothing
// reads it is still reported closed.
func TestCloseNowEndsAnIdleConnection(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		_, e := s.dial(t)
		e.c.CloseNow()
		if err := <-e.closed; err == nil {
			t.Fatal("closed with no error")
		}
	})
}

// TestPollerCloseEndsConnections: closing a Poller ends what it watched.
func TestPollerCloseEndsConnections(t *testing.T) {
	s := startServer(t, true)
	_, e := s.dial(t)
	if err := s.p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-e.closed; err == nil {
		t.Fatal("closed with no error")
	}
}

// rawDial opens a WebSocket connection by hand, sending first along with
// the handshake, and returns it with its reader past the response.
func rawDial(t *testing.T, url string, first []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(url, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " + testProtocol + "\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), first...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake answer %d with accept %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	return nc, br
}

// readServerFrame reads one unmasked frame a server sent.
func readServerFrame(t *testing.T, br *bufio.Reader) (op byte, payload []byte) {
	t.Helper()
	h, err := readHeader(br)
	if err != nil {
		t.Fatalf("read a frame: %v", err)
	}
	if h.masked || !h.fin {
		t.Fatalf("server frame masked %v, final %v; want unmasked and final", h.masked, h.fin)
	}
	payload = make([]byte, h.length)
	if _, err := io.ReadFull(br, payload); err != nil {
		t.Fatal(err)
	}
	return h.op, payload
}

// TestFramesInPieces: a message whose fragments, a ping among them, and
// even a header arrive in separate writes, and a frame sent along with the
// handshake, all reach the handler whole.
func TestFramesInPieces(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		key := [4]byte{5, 6, 7, 8}
		nc, br := rawDial(t, s.url, clientFrame(true, opBinary, []byte("early"), key))
		if op, p := readServerFrame(t, br); op != opBinary || string(p) != "early" {
			t.Fatalf("frame sent with the handshake: got op %d %q", op, p)
		}
		pieces := [][]byte{
			clientFrame(false, opBinary, []byte("one "), key),
			clientFrame(true, opPing, []byte("ping!"), key),
			clientFrame(false, opContinue, []byte("two "), key),
		}
		last := clientFrame(true, opContinue, []byte("three"), key)
		pieces = append(pieces, last[:1], last[1:3], last[3:])
		for _, p := range pieces {
			if _, err := nc.Write(p); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond) // let each piece be read on its own
		}
		if op, p := readServerFrame(t, br); op != opPong || string(p) != "ping!" {
			t.Fatalf("got op %d %q, want the pong", op, p)
		}
		if op, p := readServerFrame(t, br); op != opBinary || string(p) != "one two three" {
			t.Fatalf("got op %d %q, want the whole message", op, p)
		}
	})
}

// TestProtocolError: an unmasked frame is answered with a close frame
// with StatusProtocolError, and ends the connection.
func TestProtocolError(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		nc, br := rawDial(t, s.url, nil)
		e := <-s.conns
		nc.Write([]byte{0x82, 0x01, 'x'})
		op, p := readServerFrame(t, br)
		ce, err := parseClose(p)
		if op != opClose || err != nil || ce.Code != StatusProtocolError {
			t.Fatalf("got op %d %q, want a close with status %d", op, p, StatusProtocolError)
		}
		var pe *protoError
		if err := <-e.closed; !errors.As(err, &pe) {
			t.Fatalf("connection ended with %v, want a protocol error", err)
		}
	})
}

// TestHandshakeRefusals: requests that are not WebSocket handshakes get
// an HTTP error.
func TestHandshakeRefusals(t *testing.T) {
	s := startServer(t, true)
	url := "http" + strings.TrimPrefix(s.url, "ws")
	for _, tt := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"plain GET", nil, http.StatusUpgradeRequired},
		{"old version", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, http.StatusUpgradeRequired},
		{"bad key", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "short"}, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", url, nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// WriteMany sends every frame whole and in order, small ones packed into
// shared writes, large ones and those past one buffer's worth on their own.
func TestWriteManyKeepsOrderAndContent(t *testing.T) {
	modes(t, func(t *testing.T, s *server) {
		ws, e := s.dial(t)
		var frames [][]byte
		for i := range 120 {
			size := (i * 37) % (smallFrame + 1) // 0 up to smallFrame
			if i == 50 {
				size = 3 * smallFrame // a large one among them
			}
			f := bytes.Repeat([]byte{byte(i)}, size)
			frames = append(frames, f)
		}
		if err := e.c.WriteMany(frames); err != nil {
			t.Fatal(err)
		}
		for i, want := range frames {
			typ, got, err := ws.Read(ctx5(t))
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if typ != websocket.MessageBinary || !bytes.Equal(got, want) {
				t.Fatalf("message %d: %d bytes (type %v), want the %d bytes sent %d-th", i, len(got), typ, len(want), i)
			}
		}
	})
}
