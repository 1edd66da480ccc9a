// Package relaystore keeps the relay's document logs and snapshots. The
// relay decides sequence numbers and checks access; a Store only persists
// what it is given, durably, before it returns.
//
// Everything stored is routing metadata or ciphertext: document IDs, device
// IDs, sequence numbers, capability hashes and sealed bodies.
package relaystore

import (
	"errors"

	"pairwise/shared/wire"
)

// Errors a Store returns.
var (
	ErrNotFound = errors.New("relaystore: no such document")
	ErrCorrupt  = errors.New("relaystore: stored data is damaged")
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
}

// Store persists document logs. Implementations are safe for concurrent
// use; the relay calls Commit and PutSnapshot from one goroutine only.
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
	Promote(id wire.DocID) error
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
