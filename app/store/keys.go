package store

import "encoding/binary"

// Key layout. Document IDs are hex strings; numbers are big-endian so that
// prefix scans return chunks and outbox entries in order.
//
//	format              → FormatVersion (1 byte)
//	cfg                 → settings (JSON, opaque here)
//	m/<doc>             → document metadata (JSON, opaque here)
//	n/<doc>             → DocState (JSON)
//	s/<doc>             → snapshot (a saved Automerge document)
//	v/<doc>             → view of the snapshot (see view.go)
//	u/<doc>             → changes merged early and not yet on the relay's disk (see Unconfirmed)
//	c/<doc>/<n>         → chunk n: kind byte + bytes
//	o/<doc>/<dseq>      → outbox: a change not yet acknowledged by the relay
//	purge               → the store is to be purged of old versions (see Purge)
var (
	keyFormat = []byte("format")
	keyConfig = []byte("cfg")
	keyPurge  = []byte("purge")
)

func keyMeta(doc string) []byte  { return []byte("m/" + doc) }
func keyState(doc string) []byte { return []byte("n/" + doc) }
func keySnap(doc string) []byte  { return []byte("s/" + doc) }
func keyEarly(doc string) []byte { return []byte("u/" + doc) }

// keyTomb holds, for a removed document, the device sequence its next
// change would have had (see DocState.Reborn).
func keyTomb(doc string) []byte     { return []byte("r/" + doc) }
func prefixChunk(doc string) []byte { return []byte("c/" + doc + "/") }
func prefixOut(doc string) []byte   { return []byte("o/" + doc + "/") }

func keyChunk(doc string, n uint64) []byte { return binary.BigEndian.AppendUint64(prefixChunk(doc), n) }
func keyOut(doc string, n uint64) []byte   { return binary.BigEndian.AppendUint64(prefixOut(doc), n) }

func seqOf(key []byte) uint64 { return binary.BigEndian.Uint64(key[len(key)-8:]) }
