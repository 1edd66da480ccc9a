// Package relaystore keeps the relay's document logs and snapshots. The
// relay decides sequence numbers and checks access; a Store only persists
// what it is given, durably, before it returns.
//
// Everything stored is routing metadata or ciphertext: document IDs, device
// IDs, sequence numbers, capability hashes and sealed bodies.
package relaystore

import (
	"context"
	"errors"
	"time"

	"pairwise/shared/wire"
)

// Errors a Store returns.
var (
	ErrNotFound = errors.New("relaystore: no such document")
	ErrCorrupt  = errors.New("relaystore: stored data is damaged")
	// ErrConflict is what a Shared store's Commit returns when another
	// relay instance wrote one of the batch's documents after this one
	// read it (its head is no longer Batch.Heads says, a record took one
	// of the sequence numbers, or the document was created meanwhile).
	// Nothing of the batch is written; the relay reads those documents
	// again and numbers the records anew.
	ErrConflict = errors.New("relaystore: another relay instance wrote this document first")
)

// Doc is what the relay knows about one document.
type Doc struct {
	WriteHash [32]byte
	ReadHash  [32]byte
	Head      uint64 // highest sequence assigned
	SnapSeq   uint64 // records up to here are covered by the snapshot
	// Root is the key the document's writers chain back to; zero for a
	// document created before protocol version 2.
	Root [32]byte
}

// Snap is a sealed snapshot and who uploaded it. Seq is 0 when there is
// none.
type Snap struct {
	Seq    uint64
	Device wire.DeviceID
	Sig    []byte
	Body   []byte
}

// Entry is one record to append, with its sequence already assigned.
type Entry struct {
	Doc wire.DocID
	Rec wire.Record
}

// Batch is one group commit: new documents and records, written together.
type Batch struct {
	Creates map[wire.DocID]Doc
	Owners  map[wire.DocID]string // ID of the token creating each document
	Entries []Entry
	// Heads holds, for each document with entries that the batch does not
	// create, the head its entries were numbered after. A Shared store
	// refuses the batch with ErrConflict when a head moved.
	Heads map[wire.DocID]uint64
}

// Store persists document logs. Implementations are safe for concurrent
// use; the relay never calls Commit and PutSnapshot at the same time (its
// writer and its commit pipeline take turns: syncserver/relay/pipeline.go).
type Store interface {
	// Doc returns a document's metadata, or ErrNotFound.
	Doc(id wire.DocID) (Doc, error)
	// DeviceSeq returns the highest device sequence stored for a device in a
	// document (0 if none).
	DeviceSeq(id wire.DocID, dev wire.DeviceID) (uint64, error)
	// SeqOf returns the log sequence of a device's record, or 0 when that
	// record is no longer kept (a snapshot covers it).
	SeqOf(id wire.DocID, dev wire.DeviceID, dseq uint64) (uint64, error)
	// Commit durably writes a batch. Entries of one document come in
	// sequence order and continue its log densely.
	Commit(b Batch) error
	// Read returns records after from, in order, at most max records or
	// about maxBytes of bodies (always at least one record if any exists).
	Read(id wire.DocID, from uint64, max, maxBytes int) ([]wire.Record, error)
	// Snapshot returns the current snapshot (Seq 0 when none).
	Snapshot(id wire.DocID) (Snap, error)
	// PutSnapshot durably replaces the snapshot; the relay has checked that
	// its seq is above the current one and not above the head. Records it
	// covers may be dropped afterwards.
	PutSnapshot(id wire.DocID, snap Snap) error
	// Candidate returns the snapshot waiting for confirmation (Seq 0 when
	// none).
	Candidate(id wire.DocID) (Snap, error)
	// PutCandidate durably replaces the waiting snapshot.
	PutCandidate(id wire.DocID, snap Snap) error
	// Promote makes the waiting snapshot the document's snapshot, in one
	// step.
	// seq is the waiting snapshot's sequence as the caller knows it:
	// ErrConflict when the one waiting is another (replaced meanwhile).
	Promote(id wire.DocID, seq uint64) error
	// Authors lists the devices that wrote the records in (from, to].
	Authors(id wire.DocID, from, to uint64) ([]wire.DeviceID, error)
	// Record returns one record, or ErrNotFound when it is not kept.
	Record(id wire.DocID, seq uint64) (wire.Record, error)
	// Certs returns a document's writer certificates.
	Certs(id wire.DocID) ([][]byte, error)
	// AddCerts durably adds writer certificates to a document.
	AddCerts(id wire.DocID, certs [][]byte) error
	// Prune drops records the snapshot covers.
	Prune(id wire.DocID) error
	// Stats reports totals for metrics.
	Stats() Stats
	Close() error
	Accounting // usage.go
}

// Stats are store-wide totals.
type Stats struct {
	Docs    int64
	Records int64
	Bytes   int64 // sealed bodies of records and snapshots
}

// Shared is a store that several relay instances use at once, such as one
// PostgreSQL database behind several relays. Its Commit checks
// Batch.Heads and returns ErrConflict; everything else is as Store.
type Shared interface {
	Store
	TokenStore
	// Confirm keeps dev's confirmation of the snapshot waiting at seq and
	// returns every device that confirmed it, through any instance;
	// ErrConflict when the snapshot waiting is another (or none).
	Confirm(id wire.DocID, seq uint64, dev wire.DeviceID) ([]wire.DeviceID, error)
	// Confirmed lists the devices that confirmed the snapshot waiting at
	// seq.
	Confirmed(id wire.DocID, seq uint64) ([]wire.DeviceID, error)
	// Watch tells w what any instance (this one included) changes, until
	// ctx ends or the store closes. Notices may be lost with the
	// connection that carries them; w.Gap is called once it is back, and
	// the relay then reads again whatever it holds in memory.
	Watch(ctx context.Context, w Watcher) error
}

// Watcher receives a Shared store's notices. Any field may be nil. The
// calls come from one goroutine, in the order the changes committed.
type Watcher struct {
	// Head: records up to head are stored for the document.
	Head func(id wire.DocID, head uint64)
	// Snapshot: the document's snapshot or its candidate changed.
	Snapshot func(id wire.DocID)
	// Certs: writer certificates were added to the document.
	Certs func(id wire.DocID)
	// Deleted: the document is gone.
	Deleted func(id wire.DocID)
	// Tokens: a token was issued or revoked.
	Tokens func()
	// Gap: notices may have been missed.
	Gap func()
	// Ready: watching has started (after a Gap too); changes committed
	// from now on are noticed.
	Ready func()
}

// TokenRow is an organisation token as a store keeps it: its name and the
// hash of its secret, never the secret.
type TokenRow struct {
	Name    string
	Hash    string // hex SHA-256, as the token file holds it
	Created time.Time
	Revoked *time.Time
}

// TokenStore keeps organisation tokens where every relay instance sees
// them.
type TokenStore interface {
	// Tokens lists every token, in the order they were issued.
	Tokens() ([]TokenRow, error)
	// AddToken issues a token; ErrTokenExists when a live token has its
	// name.
	AddToken(t TokenRow) error
	// RevokeToken revokes the live token named name at at; ErrNotFound
	// when none is.
	RevokeToken(name string, at time.Time) error
}

// ErrTokenExists is what AddToken returns for a name a live token has.
var ErrTokenExists = errors.New("relaystore: a live token has this name")
