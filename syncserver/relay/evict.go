package relay

import (
	"errors"
	"time"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// errBadCap is a Subscribe whose capability matches neither of the
// document's.
var errBadCap = errors.New("relay: capability does not match")

// openDoc returns a document's state for a subscriber presenting cap, and
// whether cap lets it write. The capability is checked against the stored
// meta before any state is cached, so subscribes with a wrong key cost no
// memory. The state is pinned against eviction until the caller unpins it,
// by which time its subscription holds it.
func (s *Server) openDoc(id wire.DocID, cap []byte) (d *docState, write bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleting[id] {
		return nil, false, relaystore.ErrNotFound
	}
	d, cached := s.docs[id]
	var hashes [2][32]byte
	if cached {
		d.mu.Lock()
		hashes = [2][32]byte{d.meta.WriteHash, d.meta.ReadHash}
		d.mu.Unlock()
	} else {
		meta, err := s.store.Doc(id)
		if err != nil {
			return nil, false, err
		}
		hashes = [2][32]byte{meta.WriteHash, meta.ReadHash}
		d = newDocState(id, meta)
	}
	write = seal.CapMatches(cap, hashes[0])
	if !write && !seal.CapMatches(cap, hashes[1]) {
		return nil, false, errBadCap
	}
	if !cached {
		if err := s.loadAuthority(d); err != nil {
			return nil, false, err
		}
		s.docs[id] = d
	}
	d.pins++
	return d, write, nil
}

// unpin ends what openDoc began.
func (s *Server) unpin(d *docState) {
	s.mu.Lock()
	d.pins--
	s.mu.Unlock()
}

// startEvicting drops idle documents from memory every Limits.EvictEvery.
func (s *Server) startEvicting() {
	if s.limits.EvictEvery <= 0 {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		t := time.NewTicker(s.limits.EvictEvery)
		defer t.Stop()
		for {
			select {
			case <-s.connCtx.Done():
				return
			case <-t.C:
				s.onWriter(func() { s.evictIdle() })
			}
		}
	}()
}

// onWriter runs f on the writer goroutine, between group commits, and
// waits for it. It reports false once the writer has stopped.
func (s *Server) onWriter(f func()) bool {
	done := make(chan struct{})
	if !s.writer.submit(&writeReq{fn: func() { defer close(done); f() }}) {
		return false
	}
	<-done
	return true
}

// evictIdle forgets documents with no subscribers, no subscribe under way
// and no pruning running, and returns how many it forgot. It runs on the
// writer goroutine, so no commit holds a document's state meanwhile and
// everything the writer cached (head, device sequences) is in the store,
// where the state is read again from when next needed.
func (s *Server) evictIdle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, d := range s.docs {
		d.mu.Lock()
		// A waiting snapshot's confirmations live in memory only: keep
		// the state until it is promoted.
		idle := len(d.subs) == 0 && d.pins == 0 && !d.pruning.Load() && d.cand == nil
		d.mu.Unlock()
		if idle {
			delete(s.docs, id)
			n++
		}
	}
	if n > 0 {
		s.m.evicted.Add(float64(n))
	}
	return n
}
