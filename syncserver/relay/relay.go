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

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
	"pairwise/syncserver/wsserve"
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

	// See limits.go, quota.go and evict.go.
	MaxConnsPerAddr  int           // open connections from one IP address
	SubscribeTimeout time.Duration // to open a pair (subscribe or create) after connecting
	MaxQueuedTotal   int64         // bytes queued to clients across all connections
	DocQuota         int64         // bytes one document may hold; 0 for no limit
	TokenQuota       int64         // bytes the documents one token created may hold; 0 for no limit
	EvictEvery       time.Duration // how often idle documents leave memory
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

		MaxConnsPerAddr:  64,
		SubscribeTimeout: 10 * time.Second,
		MaxQueuedTotal:   512 << 20,
		DocQuota:         256 << 20,
		TokenQuota:       4 << 30,
		EvictEvery:       time.Minute,
	}
}

// Server is one relay.
type Server struct {
	store  relaystore.Store
	shared relaystore.Shared // store, when several instances share it (shared.go)

	tokens *Tokens
	log    *slog.Logger
	limits Limits
	m      *metrics

	writer *writer
	poller *wsserve.Poller // reads every connection (transport.go)

	nmu         sync.Mutex // guards the notices waiting for the writer (shared.go)
	noticedDocs map[*docState]noticedDoc
	draining    bool

	mu       sync.Mutex
	docs     map[wire.DocID]*docState
	deleting map[wire.DocID]bool // documents being deleted (admin.go)

	addrs  map[string]int // open connections by remote IP, under gate
	queued atomic.Int64   // bytes queued to clients, all connections

	conns    atomic.Int64
	gate     sync.Mutex // orders enter against Shutdown
	closing  atomic.Bool
	connCtx  context.Context
	stopConn context.CancelFunc
	connWG   sync.WaitGroup
	bg       sync.WaitGroup // pruning

	exchanges exchanges // the relay's half of version 3 sessions (session.go)
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
	snap *snapFrame // the current snapshot, encoded once (snapcache.go)
	// early are the frames of records numbered but not yet stored, as
	// sent to Early subscribers; a new Early subscriber gets them after
	// its backlog. Each leaves once its records are stored.
	early []earlyFrame
	// inflight are the records on the commit pipeline, by device and
	// device sequence, so a retried push of one is answered with it.
	inflight map[devSeq]wire.Record
	pins     int // subscribes under way; guarded by Server.mu (evict.go)

	// The writer goroutine alone touches these.
	devices  map[wire.DeviceID]uint64
	numbered uint64 // the last number given out, stored or on the pipeline (pipeline.go)
	pruning  atomic.Bool
}

// earlyFrame is a frame of records sent early, up to record upto.
type earlyFrame struct {
	upto  uint64
	frame []byte
}

// New returns a relay over store. tokens decides who may create documents.
// Over a relaystore.Shared store, several relays may serve the same
// documents at once (shared.go).
func New(store relaystore.Store, tokens *Tokens, log *slog.Logger, limits Limits) *Server {
	s := &Server{store: store, tokens: tokens, log: log, limits: limits, docs: map[wire.DocID]*docState{},
		deleting: map[wire.DocID]bool{}, addrs: map[string]int{}}
	s.connCtx, s.stopConn = context.WithCancel(context.Background())
	s.m = newMetrics(s)
	s.poller = newPoller(log, readLinger)
	s.writer = newWriter(s)
	s.startEvicting()
	if sh, ok := store.(relaystore.Shared); ok {
		s.shared = sh
		s.watchShared(sh)
	}
	return s
}

// Handler serves the WebSocket endpoint at / and /healthz. Metrics are
// served apart, by MetricsHandler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.closing.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		if f, ok := s.store.(interface{ Failed() error }); ok {
			if err := f.Failed(); err != nil {
				// Writes are refused until a restart: a supervisor that
				// watches this restarts the relay (after the disk is seen to).
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", s.serveWS)
	return mux
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ip := remoteIP(r.RemoteAddr)
	switch s.enter(ip) {
	case enterClosing:
		http.Error(w, "the relay is restarting; try again in a moment", http.StatusServiceUnavailable)
		return
	case enterBusy:
		s.m.refused.WithLabelValues(string(wire.CodeBusy)).Inc()
		http.Error(w, "the relay is at its connection limit; try again later", http.StatusServiceUnavailable)
		return
	case enterAddrBusy:
		s.m.refused.WithLabelValues(string(wire.CodeRateLimited)).Inc()
		http.Error(w, "too many connections from your address; close some and try again later", http.StatusTooManyRequests)
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			s.leave(ip)
		}
	}()
	clearDeadlines(w)
	ws, err := wsserve.Upgrade(w, r, wsserve.Options{
		Protocols:    []string{wire.Subprotocol, wire.SubprotocolV2},
		ReadLimit:    wire.MaxFrame,
		WriteTimeout: s.limits.WriteTimeout,
	})
	if err != nil {
		return // Upgrade has answered the request
	}
	version := wire.Version
	switch ws.Subprotocol() {
	case wire.Subprotocol:
	case wire.SubprotocolV2:
		version = wire.VersionV2
	default:
		ws.Close(wsserve.StatusPolicyViolation, "this relay speaks "+wire.Subprotocol+" and "+wire.SubprotocolV2+"; update Pairwise")
		s.poller.Serve(ws, refused{}) // to read the client's answer to the close
		s.m.refused.WithLabelValues(string(wire.CodeVersion)).Inc()
		return
	}
	c := newConn(s, ws, r.RemoteAddr, version)
	// The handler returns and net/http lets go of the request, its
	// buffers and the handler's stack; the Poller reads the connection
	// from now on, and Closed counts it out.
	handedOff = true
	c.start(s.connCtx)
	s.poller.Serve(ws, c)
}

type entry int

const (
	entered entry = iota
	enterClosing
	enterBusy
	enterAddrBusy
)

// enter counts a new connection in, unless the relay is shutting down or
// full. Shutdown waits for every connection counted in, and the lock makes
// "not closing, so count it" one step: a connection accepted while Shutdown
// begins is either refused here or waited for, never served from a closed
// store.
func (s *Server) enter(ip string) entry {
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.closing.Load() {
		return enterClosing
	}
	if s.conns.Load() >= int64(s.limits.MaxConns) {
		return enterBusy
	}
	if n := s.limits.MaxConnsPerAddr; n > 0 && s.addrs[ip] >= n {
		return enterAddrBusy
	}
	s.addrs[ip]++
	s.conns.Add(1)
	s.connWG.Add(1)
	return entered
}

func (s *Server) leave(ip string) {
	s.gate.Lock()
	if s.addrs[ip]--; s.addrs[ip] <= 0 {
		delete(s.addrs, ip)
	}
	s.gate.Unlock()
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
	s.poller.Close()
	return s.store.Close()
}

// logStoreErr logs a store write that failed, as an error unless the
// store already said, once, that its disk failed and what to do: each
// write refused after that is then a debug line (and counted in
// pairwise_relay_errors_total), not another error every few milliseconds.
func (s *Server) logStoreErr(msg string, err error, args ...any) {
	level := slog.LevelError
	if errors.Is(err, relaystore.ErrDiskFailed) {
		level = slog.LevelDebug
	}
	s.log.Log(context.Background(), level, msg, append([]any{"err", err}, args...)...)
}

// errFor maps a store or token error to a wire error.
func errFor(req uint64, doc wire.DocID, err error) *wire.Error {
	e := &wire.Error{Req: req, Doc: doc, Code: wire.CodeInternal, Msg: "the relay could not complete this; it will work again after a retry"}
	switch {
	case errors.Is(err, relaystore.ErrNotFound):
		e.Code, e.Msg = wire.CodeNotFound, "this relay has no such pair; it may have been created on another relay"
	case errors.Is(err, ErrNoToken), errors.Is(err, ErrTokenUnknown):
		e.Code, e.Msg = wire.CodeToken, err.Error()
	case errors.Is(err, ErrTokenRevoked):
		e.Code, e.Msg = wire.CodeRevoked, err.Error()
	case errors.Is(err, errBadCap):
		e.Code, e.Msg = wire.CodeUnauthorized, "the access key in this invite does not match this pair on the relay; ask your partner for a fresh invite"
	case errors.Is(err, ErrDocQuota):
		e.Code, e.Msg = wire.CodeQuota, "this pair has used its storage on the relay; ask the relay's admin to raise the pair's quota or to remove pairs no longer used. Your changes are kept on this computer"
	case errors.Is(err, ErrTokenQuota):
		e.Code, e.Msg = wire.CodeQuota, "the pairs created with your organisation's token have used their storage on the relay; ask the relay's admin to raise the token's quota or to remove pairs no longer used. Your changes are kept on this computer"
	case errors.Is(err, relaystore.ErrDiskFull):
		e.Msg = "the relay's disk is full; your changes are kept on your computer and will be sent once its admin frees space"
	case errors.Is(err, relaystore.ErrDiskFailed):
		e.Msg = "the relay's disk failed; your changes are kept on your computer and will be sent once its admin has checked the disk and restarted it"
	}
	return e
}
