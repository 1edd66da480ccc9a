package syncclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pairwise/shared/wire"
)

// holdingRelay is a relay that holds records back: a WebSocket proxy in
// front of the real relay process that passes every frame on as it is,
// except the Records frames bound for the devices it holds. Everything
// else (acknowledgements, CaughtUp, errors) still flows, so a held device
// is answered as usual and hears nothing new: the freeze of security
// finding 11.
type holdingRelay struct {
	t      *testing.T
	target string // the real relay's URL
	url    string
	srv    *httptest.Server
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	held    map[wire.DeviceID]bool
	dropped int // Records frames held back so far
	// unstored are devices that never hear that their early records are
	// stored (Durable notices are dropped); notices counts them.
	unstored map[wire.DeviceID]bool
	notices  int
	// clients are the connections of each device that said hello, so a
	// test can send one a frame the relay never sent (inject).
	clients map[wire.DeviceID]*websocket.Conn
	conns   []*websocket.Conn
}

func startHoldingRelay(t *testing.T, r *relay) *holdingRelay {
	t.Helper()
	h := &holdingRelay{t: t, target: r.url, held: map[wire.DeviceID]bool{}}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	h.url = "ws" + strings.TrimPrefix(h.srv.URL, "http")
	t.Cleanup(func() {
		h.cancel() // ends every pump, so Close does not wait on them
		h.cut()
		h.srv.Close()
	})
	return h
}

// hold starts holding back every record bound for device; release stops.
func (h *holdingRelay) hold(device wire.DeviceID) {
	h.mu.Lock()
	h.held[device] = true
	h.mu.Unlock()
}

func (h *holdingRelay) release(device wire.DeviceID) {
	h.mu.Lock()
	delete(h.held, device)
	h.mu.Unlock()
}

// droppedFrames is how many Records frames were held back so far.
func (h *holdingRelay) droppedFrames() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}

// cut drops every connection, as a relay restart would; clients reconnect.
func (h *holdingRelay) cut() {
	h.mu.Lock()
	conns := h.conns
	h.conns = nil
	h.mu.Unlock()
	for _, c := range conns {
		c.CloseNow()
	}
}

// drop reports whether to hold back frame m bound for device, and counts it.
func (h *holdingRelay) drop(device *wire.DeviceID, m wire.Message) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := m.(*wire.Durable); ok && device != nil && h.unstored[*device] {
		h.notices++
		return true
	}
	if _, ok := m.(*wire.Records); !ok {
		return false
	}
	if device == nil || !h.held[*device] {
		return false
	}
	h.dropped++
	return true
}

func (h *holdingRelay) serve(w http.ResponseWriter, r *http.Request) {
	client, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	relay, _, err := websocket.Dial(ctx, h.target, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		client.CloseNow()
		return
	}
	client.SetReadLimit(wire.MaxFrame)
	relay.SetReadLimit(wire.MaxFrame)
	h.mu.Lock()
	h.conns = append(h.conns, client, relay)
	h.mu.Unlock()
	defer client.CloseNow()
	defer relay.CloseNow()

	var mu sync.Mutex
	var device *wire.DeviceID // learned from the client's Hello
	go func() {
		defer cancel()
		for {
			typ, b, err := client.Read(ctx)
			if err != nil {
				return
			}
			if m, err := wire.Decode(b); err == nil {
				if hello, ok := m.(*wire.Hello); ok {
					mu.Lock()
					device = &hello.Device
					mu.Unlock()
					h.mu.Lock()
					if h.clients == nil {
						h.clients = map[wire.DeviceID]*websocket.Conn{}
					}
					h.clients[hello.Device] = client
					h.mu.Unlock()
				}
			}
			if relay.Write(ctx, typ, b) != nil {
				return
			}
		}
	}()
	for {
		typ, b, err := relay.Read(ctx)
		if err != nil {
			return
		}
		if m, err := wire.Decode(b); err == nil {
			mu.Lock()
			dev := device
			mu.Unlock()
			if h.drop(dev, m) {
				continue
			}
		}
		if client.Write(ctx, typ, b) != nil {
			return
		}
	}
}

// inject sends device's latest connection a frame the relay never sent.
func (h *holdingRelay) inject(device wire.DeviceID, m wire.Message) {
	h.t.Helper()
	h.mu.Lock()
	c := h.clients[device]
	h.mu.Unlock()
	if c == nil {
		h.t.Fatal("inject: that device has not connected through the proxy")
	}
	b, err := wire.Encode(m)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := c.Write(h.ctx, websocket.MessageBinary, b); err != nil {
		h.t.Fatalf("inject: %v", err)
	}
}

// waitStatus polls the engine's status until ok holds, and fails the test
// if it does not within a generous deadline. The deadline only bounds a
// broken run; nothing is measured against it.
func waitStatus(t *testing.T, e *Engine, what string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := e.Status()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the status never became %s; it is %q", what, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
