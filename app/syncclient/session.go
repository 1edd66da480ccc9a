package syncclient

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"pairwise/app/workspace"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

const (
	maxInflight  = 256              // pushes sent but not yet acknowledged, per pair
	writeTimeout = 30 * time.Second // for one frame
	pingEvery    = 30 * time.Second // detects half-open connections
)

// session is one connection to a relay.
type session struct {
	e      *Engine
	url    string
	conn   *websocket.Conn
	key    seal.DeviceKey
	device wire.DeviceID
	tags   *seal.Session // tags pushes for the relay (hello)
	in     chan wire.Message
	rerr   chan error

	nextReq uint64
	reqs    map[uint64]request
	docs    map[wire.DocID]*docSync
	first   []string // unpark's scratch: documents to push before anything else

	once  bool        // a one-off sync, which ends as soon as all is exchanged
	quiet *time.Timer // fires once the connection has been idle for Options.SnapIdle
	watch watch       // see freeze.go

	// loaded brings back the heads of snapshots waiting for confirmation,
	// loaded on goroutines of their own (loadCandidate); ready is the one
	// wait took from it.
	loaded chan loadedSnapshot
	ready  loadedSnapshot
	// loadBusy says one such load runs: one at a time for the session,
	// as when they ran on its goroutine. loads counts their goroutines,
	// which run waits for before it returns.
	loadBusy bool
	loads    sync.WaitGroup
}

type request struct {
	kind wire.Type
	doc  *docSync
	dseq uint64 // of a push
	seq  uint64 // relay sequence a snapshot covers
	sig  []byte // of a push, to tell our own record from another
	hash string // of a push: the last change it carries
}

// docSync is the progress of one pair within a session.
type docSync struct {
	id          string
	did         wire.DocID
	meta        workspace.Meta
	key         seal.Key
	sealer      *seal.RecordSealer // under key, made at the first push
	caughtUp    bool
	cursor      uint64 // highest relay sequence applied
	sentUpTo    uint64 // highest device sequence pushed in this session
	inflight    int
	sending     bool   // the engine says this session pushes new changes at once (noteSending)
	outboxRead  bool   // pushMore has read the outbox in this session
	more        bool   // and left changes in it unsent
	acked       uint64 // highest device sequence the relay acknowledged in this session, which the store may not have yet (Replicas.Acked)
	maxOwnSeq   uint64 // highest relay sequence of our own acknowledged pushes
	snapPending bool
	relaySnap   uint64    // the relay's snapshot covers records up to here, as last read, acknowledged or confirmed
	snapBytes   uint64    // the size of the latest snapshot this session sent or was sent, signed by a writer (snapDue)
	recBytes    uint64    // the size of the records this session has received, signatures included,
	recCount    uint64    // and how many (snapDue)
	ownTail     []uint64  // the relay's numbers for the newest of our pushes it acknowledged (ownPast)
	reborn      uint64    // our changes numbered below this are not in the local copy (store.DocState.Reborn)
	unsure      [2]uint64 // our changes numbered in [from, to) may not be in the local copy (store.DocState.UnsureFrom)
	settled     bool      // the relay took one of our unsure numbers for our change: it holds nothing of ours beyond
	held        heldMark  // how long it has waited for its own records (freeze.go)

	// writers is the document's write authority (nil for a document from
	// before signed devices); relayCerts are the certificates the relay
	// has announced, so the session sends it only those it lacks.
	writers    *seal.Writers
	relayCerts map[[32]byte]bool
	// own are recent records of this device as the relay numbered them,
	// with the last change each carries: a snapshot that waits for this
	// device's confirmation must hold them.
	own []ownMark
	// cand is a snapshot the relay waits on this device to confirm;
	// ignored counts records refused for want of a writer's signature.
	cand    *heldSnapshot
	ignored int
	// loading is the relay sequence of the candidate snapshot being
	// loaded on the side (loadCandidate); 0 for none. queued is the newest
	// that came meanwhile, or while another pair's loaded.
	loading uint64
	queued  *queuedSnapshot
	// resub is the request of a subscription replacing this one; until
	// its answer, what arrives for the document belongs to the old one.
	resub uint64
	// early are records merged before the relay stored them, up to
	// earlyHigh; the cursor reaches them with the relay's Durable notice.
	early     []earlyRec
	earlyHigh uint64
	// sent holds the hash of each record pushed in this session until it
	// comes back: sealing is deterministic, so our own record is checked by
	// its bytes, without a signature verification.
	sent map[uint64][32]byte
}

func dial(ctx context.Context, e *Engine, url string) (*session, error) {
	key, err := e.ws.DeviceKey()
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		return nil, unreachable(url, err)
	}
	if conn.Subprotocol() != wire.Subprotocol {
		conn.Close(websocket.StatusProtocolError, "unsupported protocol")
		return nil, fmt.Errorf("the relay at %s speaks another protocol version: update Pairwise or ask the relay's admin to update it", url)
	}
	conn.SetReadLimit(wire.MaxFrame)
	s := &session{e: e, url: url, conn: conn, in: make(chan wire.Message, 64), rerr: make(chan error, 1), loaded: make(chan loadedSnapshot, 1),
		reqs: map[uint64]request{}, docs: map[wire.DocID]*docSync{}, key: key, device: key.ID()}
	return s, nil
}

func (s *session) close() { s.conn.Close(websocket.StatusNormalClosure, "bye") }

func (s *session) send(ctx context.Context, m wire.Message) error {
	b, err := wire.Encode(m)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := s.conn.Write(wctx, websocket.MessageBinary, b); err != nil {
		return unreachable(s.url, err)
	}
	return nil
}

func (s *session) request(ctx context.Context, m wire.Message, r request) error {
	s.nextReq++
	switch m := m.(type) {
	case *wire.Create:
		m.Req = s.nextReq
	case *wire.Subscribe:
		m.Req = s.nextReq
	case *wire.Push:
		m.Req = s.nextReq
	case *wire.SnapPut:
		m.Req = s.nextReq
	case *wire.Certify:
		m.Req = s.nextReq
	case *wire.Confirm:
		m.Req = s.nextReq
	}
	r.kind = m.WireType()
	s.reqs[s.nextReq] = r
	return s.send(ctx, m)
}

// keepReadBuffer is the largest frame buffer a session keeps for the next
// frame; one grown past it by a large snapshot is let go.
const keepReadBuffer = 1 << 20

// reader decodes frames as they arrive, each read into the same buffer:
// a decoded message keeps nothing of its frame (wire.Decode copies), so
// a frame costs no allocation of its own size.
func (s *session) reader(ctx context.Context) {
	var buf bytes.Buffer
	for {
		if buf.Cap() > keepReadBuffer {
			buf = bytes.Buffer{}
		}
		buf.Reset()
		_, r, err := s.conn.Reader(ctx)
		if err == nil {
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			s.rerr <- unreachable(s.url, err)
			return
		}
		m, err := wire.Decode(buf.Bytes())
		if err != nil {
			s.rerr <- fmt.Errorf("the relay at %s sent something this version cannot read (%v): update Pairwise", s.url, err)
			return
		}
		select {
		case s.in <- m:
		case <-ctx.Done():
			return
		}
	}
}

// run drives the session. In once mode it returns nil as soon as everything
// is exchanged; otherwise it runs until the connection fails or ctx ends.
func (s *session) run(ctx context.Context, once bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer s.loads.Wait() // after cancel: a load may not outlive the session
	defer cancel()
	s.once = once
	defer s.e.stopSending() // its docSyncs, and their sending marks, go with it
	s.quiet = time.NewTimer(s.e.opts.SnapIdle)
	defer s.quiet.Stop()
	s.startWatch(once)
	defer s.watch.stop()
	go s.reader(ctx)
	if !once {
		go s.keepalive(ctx)
	}
	if err := s.hello(ctx); err != nil {
		return err
	}
	select {
	case m := <-s.in:
		switch m := m.(type) {
		case *wire.Welcome:
		case *wire.Error:
			return m
		default:
			return fmt.Errorf("the relay at %s answered hello with %s", s.url, m.WireType())
		}
	case err := <-s.rerr:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w (waiting for the relay to answer hello)", ctx.Err())
	}
	s.e.setStatus(Syncing, "")
	if err := s.addDocs(ctx); err != nil {
		return err
	}
	for {
		if once && s.done() {
			// What arrived may change a cohort's report, written on the
			// reporter's goroutine: it goes in this sync too (its write
			// kicks the loop), rather than waiting for the next one.
			s.e.ws.SettleReports()
			if s.done() {
				s.e.ws.SettleSaves() // what the store holds is what was synced
				// unless the disk failed meanwhile, and the saver dropped it,
				// or its writes fail for now
				if err := s.e.ws.DiskFailed(); err != nil {
					return err
				}
				return s.e.ws.SavesFailing()
			}
		}
		held := s.withheld()
		if once && held != "" {
			return heldError(held)
		}
		if !once {
			s.report(held)
		}
		woke, m, err := s.wait(ctx, once)
		if woke == wokeToStop {
			return err
		}
		if err := s.unpark(ctx); err != nil {
			return err
		}
		switch woke {
		case wokeByHeld: // the loop looks again at what the relay holds back
		case wokeByMessage:
			if err := s.handle(ctx, m); err != nil {
				return err
			}
			s.quiet.Reset(s.e.opts.SnapIdle)
		case wokeQuiet:
			for _, d := range s.docs {
				if err := s.maybeSnapshot(ctx, d, true); err != nil {
					return err
				}
			}
		case wokeByPresence:
			for _, d := range s.docs {
				s.present(d)
			}
		case wokeByLoad:
			if err := s.candidateLoaded(ctx, s.ready); err != nil {
				return err
			}
		case wokeByKick:
			s.quiet.Reset(s.e.opts.SnapIdle)
			if err := s.addDocs(ctx); err != nil {
				return err
			}
			for _, d := range s.docs {
				if err := s.pushMore(ctx, d); err != nil {
					return err
				}
			}
		}
	}
}

// wake is what woke a parked session (see wait).
type wake int

const (
	wokeToStop     wake = iota // the session ends, with wait's error
	wokeByMessage              // a message from the relay
	wokeQuiet                  // no traffic for Options.SnapIdle
	wokeByHeld                 // time to look again at what the relay holds back
	wokeByPresence             // someone's presence changed
	wokeByKick                 // a change to push, a pair added, or a pair changed
	wokeByLoad                 // a snapshot waiting for confirmation is loaded (s.ready)
)

// wait parks the session until something needs it and says what. Whatever
// woke it, the loop then pushes first what an edit was promised (unpark).
func (s *session) wait(ctx context.Context, once bool) (wake, wire.Message, error) {
	s.e.park()
	select {
	case m := <-s.in:
		return wokeByMessage, m, nil
	case <-s.quiet.C:
		return wokeQuiet, nil, nil
	case err := <-s.rerr:
		return wokeToStop, nil, err
	case <-s.e.ws.DiskFailedC():
		return wokeToStop, nil, s.e.ws.DiskFailed()
	case <-s.watch.held.C:
		return wokeByHeld, nil, nil
	case <-s.watch.presence:
		return wokeByPresence, nil, nil
	case <-s.e.kick:
		return wokeByKick, nil, nil
	case s.ready = <-s.loaded:
		return wokeByLoad, nil, nil
	case <-ctx.Done():
		if once {
			return wokeToStop, nil, fmt.Errorf("%w (%s)", ctx.Err(), s.waitingFor())
		}
		return wokeToStop, nil, ctx.Err()
	}
}

func (s *session) keepalive(ctx context.Context) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, pingEvery)
			err := s.conn.Ping(pctx)
			cancel()
			if err != nil {
				s.conn.CloseNow()
				return
			}
		}
	}
}

// addDocs starts syncing every pair of this relay that the session does not
// handle yet: pairs created since it connected, or joined.
func (s *session) addDocs(ctx context.Context) error {
	ids, err := s.e.ws.IDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		raw, err := hex.DecodeString(id)
		if err != nil || len(raw) != len(wire.DocID{}) {
			continue
		}
		var did wire.DocID
		copy(did[:], raw)
		if _, ok := s.docs[did]; ok {
			continue // synced by this session already
		}
		meta, err := s.e.ws.Meta(id)
		if err != nil {
			return err
		}
		if meta.Relay == "" {
			if err := s.e.ws.SetMeta(id, func(m *workspace.Meta) { m.Relay = s.url }); err != nil {
				return err
			}
			meta.Relay = s.url
		}
		if meta.Relay != s.url {
			continue
		}
		st, err := s.e.ws.SyncState(id)
		if err != nil {
			return err
		}
		d := &docSync{id: id, did: did, meta: meta, cursor: st.Cursor, reborn: st.Reborn, unsure: [2]uint64{st.UnsureFrom, st.UnsureTo}, relaySnap: st.RelaySnap,
			writers: meta.Writers(), relayCerts: map[[32]byte]bool{}}
		copy(d.key[:], meta.Key)
		s.docs[did] = d
		if !meta.Registered {
			if meta.ReadOnly() {
				continue
			}
			create := &wire.Create{Doc: did, WriteHash: seal.CapHash(meta.Write), ReadHash: seal.CapHash(meta.Read)}
			copy(create.Root[:], meta.Root)
			err = s.request(ctx, create, request{doc: d})
		} else {
			err = s.subscribe(ctx, d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *session) subscribe(ctx context.Context, d *docSync) error {
	cap := d.meta.Write
	if cap == nil {
		cap = d.meta.Read
	}
	sub := &wire.Subscribe{Doc: d.did, Cap: cap, From: d.cursor, Candidates: !s.e.refusedCandidate(d.did), Early: true}
	d.early, d.earlyHigh = nil, 0 // a new subscription sends them again
	if err := s.request(ctx, sub, request{doc: d}); err != nil {
		return err
	}
	if d.resub != 0 {
		d.resub = sub.Req // what arrives before its answer is the old subscription's
	}
	return nil
}

// done reports whether everything is exchanged: every pair caught up, its
// outbox acknowledged and its own records seen coming back.
func (s *session) done() bool {
	if len(s.reqs) > 0 {
		return false
	}
	for _, d := range s.docs {
		if !d.caughtUp || d.inflight > 0 || d.snapPending || d.confirmLoading() || d.cursor < d.maxOwnSeq {
			return false
		}
	}
	// The counts of waiting changes follow the acknowledgements once the
	// workspace has written them (Acked).
	s.e.ws.SettleSaves()
	for _, d := range s.docs {
		if s.e.ws.PendingIn(d.id) > 0 {
			return false
		}
	}
	return true
}

// waitingFor says what keeps a one-off sync from being done, for the
// error when it runs out of time.
func (s *session) waitingFor() string {
	var what []string
	kinds := map[wire.Type]int{}
	for _, r := range s.reqs {
		kinds[r.kind]++
	}
	for k, n := range kinds {
		what = append(what, fmt.Sprintf("%d %s answers", n, k))
	}
	for _, d := range s.docs {
		switch {
		case !d.caughtUp:
			what = append(what, logName(d)+" not caught up")
		case d.inflight > 0:
			what = append(what, fmt.Sprintf("%s: %d changes unacknowledged", logName(d), d.inflight))
		case d.snapPending:
			what = append(what, logName(d)+": a snapshot unacknowledged")
		case d.confirmLoading():
			what = append(what, logName(d)+": a snapshot to confirm still loading")
		case d.cursor < d.maxOwnSeq:
			what = append(what, fmt.Sprintf("%s: own records up to %d not back (at %d, %d early)", logName(d), d.maxOwnSeq, d.cursor, d.earlyHigh))
		case s.e.ws.PendingIn(d.id) > 0:
			what = append(what, fmt.Sprintf("%s: %d changes not sent", logName(d), s.e.ws.PendingIn(d.id)))
		}
	}
	if len(what) == 0 {
		return "waiting for nothing known"
	}
	slices.Sort(what)
	return "waiting for " + strings.Join(what, "; ")
}

func (s *session) report(held string) {
	if held != "" {
		s.e.setStatus(Withheld, held)
		return
	}
	state := Synced
	for _, d := range s.docs {
		if !d.caughtUp || d.inflight > 0 {
			state = Syncing
		}
	}
	s.e.setStatus(state, "")
}

// ErrRelayBehind is returned when the relay has fewer records of a pair
// than this machine has already applied.
var ErrRelayBehind = errors.New("the relay has lost records")

// ErrRestoredCopy is returned when the relay holds other changes under
// this device's numbers: the data folder was restored from an older copy.
var ErrRestoredCopy = errors.New("this computer's copy is older than the relay's")

// ErrRefusedRecord wraps a record or snapshot that was refused.
var ErrRefusedRecord = errors.New("refused a change from the relay")

func refused(d *docSync, err error) error {
	return docError(d, fmt.Errorf("%w: %v", ErrRefusedRecord, err))
}

// unsureAt reports whether the relay may hold another change of this
// device under dseq, as far as this session knows: a crash left the number
// unsure (store.DocState.UnsureFrom) and no answer of the relay has settled
// the numbering since.
func (d *docSync) unsureAt(dseq uint64) bool {
	return !d.settled && d.unsure[0] <= dseq && dseq < d.unsure[1]
}

// kept reports whether this device's change numbered dseq is in the local
// copy already, so its record coming back only moves the cursor: not when
// the document was joined again after numbering it (reborn), nor when a
// crash may have lost it after it was sent (unsure).
func (d *docSync) kept(dseq uint64) bool {
	return dseq >= d.reborn && !(d.unsure[0] <= dseq && dseq < d.unsure[1])
}

// waiting reports whether changes of this device to the pair wait for the
// relay, by the store's state st and the acknowledgements of this session,
// which the workspace writes in the background.
func (d *docSync) waiting(st workspace.SyncState) bool {
	return st.NextDSeq > 0 && st.NextDSeq-1 > max(st.Acked, d.acked)
}

// name says which document d is, as the person knows it: a pair by its
// title, a cohort's programme or board by the cohort's title.
func name(d *docSync) string { return docName(d.meta.Kind, d.meta.Title, d.id) }

// noteSending tells the engine whether this session would push d's new
// changes at once (caught up, writable, room in its window, not sending
// one at a time after a crash), so that an edit may wait for its change to
// be sent before its disk sync (store/sendfirst.go). Engine.stopSending,
// when the session ends, takes it back for every pair.
func (s *session) noteSending(d *docSync) {
	now := d.mayPush() && !(d.unsureAt(d.sentUpTo+1) && d.inflight > 0)
	if now == d.sending {
		return
	}
	d.sending = now
	s.e.setSending(d.id, now)
}

// unpark is the first thing the loop does when it wakes: an edit told that
// this session would push its change (the loop was parked) waits for that
// before its disk sync, and may hold locks what woke the loop needs, so
// such changes are pushed before anything else, and only those.
func (s *session) unpark(ctx context.Context) error {
	s.first = s.e.unpark(s.first[:0])
	if len(s.first) == 0 {
		return nil
	}
	for _, d := range s.docs {
		if slices.Contains(s.first, d.id) {
			if err := s.pushMore(ctx, d); err != nil {
				return err
			}
		}
	}
	return nil
}
