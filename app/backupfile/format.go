// Package backupfile is the encrypted container of a Pairwise backup: a
// short versioned header naming how the key is derived from a passphrase
// (Argon2id), then the content in authenticated chunks (XChaCha20-Poly1305)
// whose order and end are sealed in, so a wrong passphrase, a flipped byte,
// a reordered, cut or lengthened file is refused instead of read. What the
// content holds is the workspace's business (see workspace.WriteBackup).
package backupfile

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sentinel errors a caller turns into a sentence for the person.
var (
	ErrNotBackup       = errors.New("not a Pairwise backup file")
	ErrNewer           = errors.New("the backup was written by a newer Pairwise")
	ErrWrongPassphrase = errors.New("the passphrase does not open this backup")
	ErrDamaged         = errors.New("the backup file is damaged")
	ErrTruncated       = errors.New("the backup file is cut short")
	ErrParams          = errors.New("the backup asks for key-derivation settings outside the safe range")
)

// Version is the container format written; a file with a higher one is
// refused with ErrNewer.
const Version = 1

const (
	magic = "PWBACKUP"
	// headerLen is the fixed header: magic, version (2), Argon2id time
	// (4), memory in KiB (4), threads (1), chunk size (4), salt (16),
	// nonce prefix (16); then a 16-byte tag that proves the passphrase
	// and seals the header.
	headerLen = 8 + 2 + 4 + 4 + 1 + 4 + 16 + 16
	tagLen    = 16
	// ChunkSize is how much content each chunk holds (the last may hold
	// less). Files may name another size within [minChunk, maxChunk].
	ChunkSize = 64 << 10
	minChunk  = 1 << 10
	maxChunk  = 1 << 20
)

// Params are the Argon2id settings the key is derived with. They are
// stored in the header, so a later Pairwise can raise the defaults and
// still read older files.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultParams follow RFC 9106's second recommendation (t=3, 64 MiB),
// with 2 lanes for the two-core laptops mentors use: about half a second
// there, and 64 MiB per guess for whoever holds a stolen backup.
var DefaultParams = Params{Time: 3, MemoryKiB: 64 << 10, Threads: 2}

// Bounds on what a file may ask for, checked before any key is derived,
// so a hostile file cannot make a restore allocate gigabytes or run for
// hours. The lower bounds keep tests cheap (1 MiB) while refusing
// settings that would not deserve the name.
const (
	minTime   = 1
	maxTime   = 10
	minMemory = 1 << 10   // KiB: 1 MiB
	maxMemory = 256 << 10 // KiB: 256 MiB
	maxThread = 8
)

// Check reports whether p is within the bounds a restore accepts.
func (p Params) Check() error {
	switch {
	case p.Time < minTime || p.Time > maxTime:
		return fmt.Errorf("%w: %d passes (allowed %d to %d)", ErrParams, p.Time, minTime, maxTime)
	case p.MemoryKiB < minMemory || p.MemoryKiB > maxMemory:
		return fmt.Errorf("%w: %d MiB of memory (allowed %d to %d)", ErrParams, p.MemoryKiB>>10, minMemory>>10, maxMemory>>10)
	case p.Threads < 1 || p.Threads > maxThread:
		return fmt.Errorf("%w: %d threads (allowed 1 to %d)", ErrParams, p.Threads, maxThread)
	}
	return nil
}

// header is the decoded fixed header.
type header struct {
	version uint16
	params  Params
	chunk   uint32
	salt    [16]byte
	prefix  [16]byte
}

func (h header) encode() []byte {
	b := make([]byte, 0, headerLen)
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint16(b, h.version)
	b = binary.BigEndian.AppendUint32(b, h.params.Time)
	b = binary.BigEndian.AppendUint32(b, h.params.MemoryKiB)
	b = append(b, h.params.Threads)
	b = binary.BigEndian.AppendUint32(b, h.chunk)
	b = append(b, h.salt[:]...)
	return append(b, h.prefix[:]...)
}

// parseHeader decodes and bounds a header; it derives nothing.
func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return h, fmt.Errorf("%w (it does not start like one)", ErrNotBackup)
	}
	if len(b) < headerLen {
		return h, fmt.Errorf("%w: its header is incomplete", ErrTruncated)
	}
	p := b[len(magic):]
	h.version = binary.BigEndian.Uint16(p)
	if h.version == 0 {
		return h, fmt.Errorf("%w: version 0 in its header", ErrDamaged)
	}
	if h.version > Version {
		return h, fmt.Errorf("%w (format %d; this one reads up to %d)", ErrNewer, h.version, Version)
	}
	h.params = Params{Time: binary.BigEndian.Uint32(p[2:]), MemoryKiB: binary.BigEndian.Uint32(p[6:]), Threads: p[10]}
	if err := h.params.Check(); err != nil {
		return h, err
	}
	h.chunk = binary.BigEndian.Uint32(p[11:])
	if h.chunk < minChunk || h.chunk > maxChunk {
		return h, fmt.Errorf("%w: chunk size %d in its header", ErrDamaged, h.chunk)
	}
	copy(h.salt[:], p[15:31])
	copy(h.prefix[:], p[31:47])
	return h, nil
}

// nonce is the prefix followed by the chunk's index; the header's tag
// uses the index no chunk can reach.
func (h header) nonce(i uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), h.prefix[:]...), i)
}

const headerTagIndex = ^uint64(0)

// Chunk flags, stored before each chunk and sealed into it.
const (
	flagMore  byte = 0
	flagFinal byte = 1
)

// chunkAD binds a chunk to this file's header and to whether it is last.
func chunkAD(hdr []byte, flag byte) []byte {
	return append(append([]byte(nil), hdr...), flag)
}
