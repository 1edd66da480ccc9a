// Package relay is the Pairwise sync relay: it authorises connections with
// capabilities and organisation tokens, appends sealed records to document
// logs, and fans them out to subscribers once they are durably stored.
//
// The relay never holds a key. Everything it handles is routing metadata or
// ciphertext, and it logs neither bodies nor secrets.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// Limits bound what one connection and the whole relay may use.
type Limits struct {
	MaxConns       int           // open WebSocket connections
	MaxDocsPerConn int           // documents one connection may subscribe to
	MsgRate        float64       // messages per second per connection
	MsgBurst       float64       // messages a connection may send at once
	ByteRate       float64       // bytes per second per connection
	ByteBurst      float64       // bytes a connection may send at once
	MaxBacklog     int           // bytes queued for one slow subscriber before it is dropped
	HelloTimeout   time.Duration // to send Hello after connecting
	WriteTimeout   time.Duration // for one frame to a client
	PingEvery      time.Duration // keepalive; a client that does not answer is dropped
}

// DefaultLimits suit an organisation's relay on a small server.
func DefaultLimits() Limits {
	return Limits{
		MaxConns:       20000,
		MaxDocsPerConn: 2000,
		MsgRate:        2000,
		MsgBurst:       20000,
		ByteRate:       16 << 20,
		ByteBurst:      64 << 20,
		MaxBacklog:     32 << 20,
		HelloTimeout:   10 * time.Second,
		WriteTimeout:   15 * time.Second,
		PingEvery:      30 * time.Second,
	}
}

// Server is one relay.
type Server struct {
	store  relaystore.Store
	tokens *Tokens
	log    *slog.Logger
	limits Limits
	m      *metrics

	writer *writer

	mu   sync.Mutex
	docs map[wire.DocID]*docState

	conns    atomic.Int64
	gate     sync.Mutex // orders enter against Shutdown
	closing  atomic.Bool
	connCtx  context.Context
	stopConn context.CancelFunc
	connWG   sync.WaitGroup
	bg       sync.WaitGroup // pruning
}

// docState is what the relay keeps in memory for a document it has seen.
type docState struct {
	id wire.DocID

	mu    sync.Mutex
	meta  relaystore.Doc
	subs  map[*conn]*sub
	certs [][]byte   // writer certificates, in the order they were added
	cand  *candidate // a snapshot waiting for confirmation

	// auth is the document's write authority (nil for a document made
	// before version 2); the writer goroutine alone uses it.
	auth *seal.Writers

	// The writer goroutine alone touches these.
	devices map[wire.DeviceID]uint64
	pruning atomic.Bool
}

// New returns a relay over store. tokens decides who may create documents.
func New(store relaystore.Store, tokens *Tokens, log *slog.Logger, limits Limits) *Server {
	s := &Server{store: store, tokens: tokens, log: log, limits: limits, docs: map[wire.DocID]*docState{}}
	s.connCtx, s.stopConn = context.WithCancel(context.Background())
	s.m = newMetrics(s)
	s.writer = newWriter(s)
	return s
}

// Handler serves the WebSocket endpoint at /, /healthz and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.closing.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", s.serveWS)
	return mux
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	switch s.enter() {
	case enterClosing:
		http.Error(w, "the relay is restarting; try again in a moment", http.StatusServiceUnavailable)
		return
	case enterBusy:
		s.m.refused.WithLabelValues(string(wire.CodeBusy)).Inc()
		http.Error(w, "the relay is at its connection limit; try again later", http.StatusServiceUnavailable)
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			s.leave()
		}
	}()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:       []string{wire.Subprotocol},
		InsecureSkipVerify: true, // not a browser endpoint: no origin to check
	})
	if err != nil {
		return // Accept has answered the request
	}
	if ws.Subprotocol() != wire.Subprotocol {
		ws.Close(websocket.StatusPolicyViolation, "this relay speaks "+wire.Subprotocol+"; update Pairwise")
		s.m.refused.WithLabelValues(string(wire.CodeVersion)).Inc()
		return
	}
	ws.SetReadLimit(wire.MaxFrame)
	c := newConn(s, ws, r.RemoteAddr)
	// Serve on a goroutine of our own and return: net/http then lets go of
	// the request, its response buffer and the handler's deep stack, which
	// were a third of what an idle connection cost.
	handedOff = true
	go func() {
		defer s.leave()
		c.serve(s.connCtx)
	}()
}

type entry int

const (
	entered entry = iota
	enterClosing
	enterBusy
)

// enter counts a new connection in, unless the relay is shutting down or
// full. Shutdown waits for every connection counted in, and the lock makes
// "not closing, so count it" one step: a connection accepted while Shutdown
// begins is either refused here or waited for, never served from a closed
// store.
func (s *Server) enter() entry {
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.closing.Load() {
		return enterClosing
	}
	if s.conns.Load() >= int64(s.limits.MaxConns) {
		return enterBusy
	}
	s.conns.Add(1)
	s.connWG.Add(1)
	return entered
}

func (s *Server) leave() {
	s.conns.Add(-1)
	s.connWG.Done()
}

// doc returns the in-memory state of a document, loading it from the store.
func (s *Server) doc(id wire.DocID) (*docState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[id]; ok {
		return d, nil
	}
	meta, err := s.store.Doc(id)
	if err != nil {
		return nil, err
	}
	d := newDocState(id, meta)
	if err := s.loadAuthority(d); err != nil {
		return nil, err
	}
	s.docs[id] = d
	return d, nil
}

func newDocState(id wire.DocID, meta relaystore.Doc) *docState {
	d := &docState{id: id, meta: meta, subs: map[*conn]*sub{}, devices: map[wire.DeviceID]uint64{}}
	if meta.Root != ([32]byte{}) {
		d.auth = seal.NewWriters(id, meta.Root)
	}
	return d
}

// addDoc records a document the writer has just created.
func (s *Server) addDoc(id wire.DocID, meta relaystore.Doc) *docState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[id]; ok {
		return d
	}
	d := newDocState(id, meta)
	s.docs[id] = d
	return d
}

// Shutdown stops taking connections, tells clients to reconnect later,
// finishes every write already received, and closes the store. Nothing the
// relay acknowledged is lost, whether or not Shutdown completes.
func (s *Server) Shutdown(ctx context.Context) error {
	s.gate.Lock()
	s.closing.Store(true)
	s.gate.Unlock()
	s.stopConn()
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("some connections did not close in time")
	}
	s.writer.stop()
	s.bg.Wait()
	return s.store.Close()
}

// errFor maps a store or token error to a wire error.
func errFor(req uint64, doc wire.DocID, err error) *wire.Error {
	e := &wire.Error{Req: req, Doc: doc, Code: wire.CodeInternal, Msg: "the relay could not complete this; it will work again after a retry"}
	switch {
	case errors.Is(err, relaystore.ErrNotFound):
		e.Code, e.Msg = wire.CodeNotFound, "this relay has no such pair; it may have been created on another relay"
	case errors.Is(err, ErrNoToken), errors.Is(err, ErrTokenUnknown):
		e.Code, e.Msg = wire.CodeUnauthorized, err.Error()
	case errors.Is(err, ErrTokenRevoked):
		e.Code, e.Msg = wire.CodeRevoked, err.Error()
	case errors.Is(err, relaystore.ErrDiskFull):
		e.Msg = "the relay's disk is full; your changes are kept on your computer and will be sent once its admin frees space"
	}
	return e
}
