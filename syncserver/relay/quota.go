package relay

import (
	"errors"

	"pairwise/shared/wire"
)

// ErrDocQuota and ErrTokenQuota refuse a write that would take a document,
// or the documents one token created, past Limits.DocQuota or
// Limits.TokenQuota. They reach the client as wire.CodeQuota (errFor);
// other documents and tokens are unaffected.
var (
	ErrDocQuota   = errors.New("relay: the document has used its storage quota")
	ErrTokenQuota = errors.New("relay: the documents of this token have used their storage quota")
)

// quotaBatch counts what one group commit adds on top of what the store
// holds, so several pushes in one batch cannot pass a quota together.
type quotaBatch struct {
	s      *Server
	owners map[wire.DocID]string // documents created in this batch
	docs   map[wire.DocID]int64
	tokens map[string]int64
}

func (s *Server) newQuotaBatch() *quotaBatch {
	return &quotaBatch{s: s, docs: map[wire.DocID]int64{}, tokens: map[string]int64{}} // owners: made by the first creation
}

// create admits a new document for the token owner: refused once the
// token's documents hold their quota.
func (q *quotaBatch) create(id wire.DocID, owner string) error {
	// The pipeline first: a batch that leaves it meanwhile is then counted
	// by the store, never by neither (pipeline.commit settles a batch only
	// once stored).
	_, onPipe := q.s.writer.pipe.pending(id, owner)
	if max := q.s.limits.TokenQuota; max > 0 && q.s.store.OwnerBytes(owner)+onPipe+q.tokens[owner] >= max {
		return ErrTokenQuota
	}
	if q.owners == nil {
		q.owners = map[wire.DocID]string{}
	}
	q.owners[id] = owner
	return nil
}

// admit reserves n more bytes for document id, or says which quota they
// would pass.
func (q *quotaBatch) admit(id wire.DocID, n int) error {
	// What batches still on the commit pipeline add counts as stored. The
	// pipeline is read before the bytes stored, so a batch stored in
	// between is counted twice (for that moment) rather than not at all.
	// A document's owner never changes, so it may be read first.
	owner := q.owners[id]
	if u, ok := q.s.store.Usage(id); ok {
		owner = u.Owner
	}
	docPipe, tokPipe := q.s.writer.pipe.pending(id, owner)
	u, ok := q.s.store.Usage(id)
	if !ok {
		u.Owner = q.owners[id]
	}
	if max := q.s.limits.DocQuota; max > 0 && u.Bytes+docPipe+q.docs[id]+int64(n) > max {
		return ErrDocQuota
	}
	// Documents from before accounting have no known owner: only the
	// document quota applies to them.
	if max := q.s.limits.TokenQuota; max > 0 && u.Owner != "" && q.s.store.OwnerBytes(u.Owner)+tokPipe+q.tokens[u.Owner]+int64(n) > max {
		return ErrTokenQuota
	}
	q.docs[id] += int64(n)
	q.tokens[u.Owner] += int64(n)
	return nil
}

// admitSnapshot checks a snapshot of n bytes. A snapshot replaces the old
// one and lets the relay prune the records it covers, so it is how a pair
// gets back under its quota: it is refused only when it alone is over the
// document quota, or when the token would be over its quota even with
// every record of the document pruned.
func (s *Server) admitSnapshot(id wire.DocID, n int) error {
	if max := s.limits.DocQuota; max > 0 && int64(n) > max {
		return ErrDocQuota
	}
	u, ok := s.store.Usage(id)
	if !ok || u.Owner == "" {
		return nil
	}
	if max := s.limits.TokenQuota; max > 0 && s.store.OwnerBytes(u.Owner)-u.Bytes+int64(n) > max {
		return ErrTokenQuota
	}
	return nil
}
