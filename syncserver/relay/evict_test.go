package relay

import (
	"testing"

	"pairwise/shared/wire"
)

// TestDocStateOnlyForGoodCapsAndEvictedWhenIdle: a subscribe with a wrong
// key leaves nothing in memory, and a document nobody follows leaves
// memory and comes back whole from the store.
func TestDocStateOnlyForGoodCapsAndEvictedWhenIdle(t *testing.T) {
	limits := DefaultLimits()
	limits.EvictEvery = 0 // evicted by hand below
	r := startRelay(t, limits)
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	cached := func() bool {
		r.srv.mu.Lock()
		defer r.srv.mu.Unlock()
		return r.srv.docs[d.id] != nil
	}
	r.srv.onWriter(func() { r.srv.evictIdle() })
	if cached() {
		t.Fatal("a document nobody follows is still in memory after eviction")
	}
	bad := dial(t, r.url)
	bad.hello("")
	req := bad.nextReq()
	bad.send(&wire.Subscribe{Req: req, Doc: d.id, Cap: make([]byte, 32)})
	bad.expectError(req, wire.CodeUnauthorized)
	if cached() {
		t.Fatal("a subscribe with a wrong key left the document in memory")
	}
	a.subscribe(d.id, d.write[:], 0)
	a.expectAck(a.push(d.id, 1, "one"))
	if n := r.srv.evictOnWriter(); n != 0 || !cached() {
		t.Fatalf("evicted %d documents while one is followed", n)
	}
	a.ws.CloseNow()
	for cached() {
		r.srv.evictOnWriter()
	}
	// Reloaded from the store: the head and the device's sequence.
	b := dial(t, r.url)
	b.key, b.device = a.key, a.device
	b.hello("")
	_, recs := b.subscribe(d.id, d.write[:], 0)
	if len(recs) != 1 || string(recs[0].Body) != "one" {
		t.Fatalf("after eviction the log reads %v", recs)
	}
	if ack := b.expectAck(b.push(d.id, 1, "one")); ack.Seq != 1 { // a retry, judged against the store
		t.Errorf("a retried record got sequence %d, want 1", ack.Seq)
	}
	if ack := b.expectAck(b.push(d.id, 2, "two")); ack.Seq != 2 {
		t.Errorf("next record got sequence %d, want 2", ack.Seq)
	}
}

func (s *Server) evictOnWriter() (n int) {
	s.onWriter(func() { n = s.evictIdle() })
	return n
}
