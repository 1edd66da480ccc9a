package crdt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Automerge's binary format is a sequence of chunks:
//
//	magic (4) | checksum (4) | type (1) | ULEB128 length | data
//
// automerge-go's LoadIncremental silently skips bytes it cannot parse, and
// its LoadChanges insists that every dependency is already present, so
// ApplyChanges checks the framing here first and only then loads.
var chunkMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

const (
	chunkDocument   = 0
	chunkChange     = 1
	chunkCompressed = 2
)

// checkChunks verifies that raw is one or more well-framed change chunks.
// Uncompressed change chunks also have their checksum verified.
func checkChunks(raw []byte) error {
	if len(raw) == 0 {
		return fmt.Errorf("%w: no bytes", ErrCorrupt)
	}
	for off := 0; off < len(raw); {
		rest := raw[off:]
		if len(rest) < 10 || !bytes.Equal(rest[:4], chunkMagic) {
			return fmt.Errorf("%w: no chunk header at byte %d", ErrCorrupt, off)
		}
		typ := rest[8]
		n, k := binary.Uvarint(rest[9:])
		if k <= 0 || n > uint64(len(rest)-9-k) {
			return fmt.Errorf("%w: chunk at byte %d has a bad length", ErrCorrupt, off)
		}
		end := 9 + k + int(n)
		switch typ {
		case chunkChange:
			sum := sha256.Sum256(rest[8:end])
			if !bytes.Equal(sum[:4], rest[4:8]) {
				return fmt.Errorf("%w: chunk at byte %d fails its checksum", ErrCorrupt, off)
			}
		case chunkCompressed:
		default:
			return fmt.Errorf("%w: chunk at byte %d has type %d, want a change", ErrCorrupt, off, typ)
		}
		off += end
	}
	return nil
}
