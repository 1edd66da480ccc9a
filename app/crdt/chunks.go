package crdt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/automerge/automerge-go"
)

// Automerge's binary format is a sequence of chunks:
//
//	magic (4) | checksum (4) | type (1) | ULEB128 length | data
//
// automerge-go's LoadIncremental silently skips bytes it cannot parse, and
// inflates whatever DEFLATE data it is handed without a limit, so every
// byte from a partner or from disk is walked here first: framing,
// checksums, chunk types, and the size that compressed columns would
// inflate to.
var chunkMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

const (
	chunkDocument   = 0
	chunkChange     = 1
	chunkCompressed = 2
)

// change is what checkChunks learns of one change chunk: the hash Automerge
// files it under (SHA-256 from the type byte to the end of the chunk) and
// the changes it builds on.
type change struct {
	hash automerge.ChangeHash
	deps []automerge.ChangeHash
}

// checkChunks verifies that raw is one or more well-framed, uncompressed
// change chunks, each with a valid checksum, no DEFLATE-compressed column
// and at most MaxChangeBytes long, and returns them in order.
//
// Compressed change chunks (type 2) are refused outright: Commit never
// makes one (see TestCommitNeverCompresses), and inflating one is how a
// few hundred bytes become gigabytes inside Automerge.
//
// Each operation's key must be of its object's kind (see objects.go): the
// objects of the document are in l's base, and those the changes make are
// added to l. The changes may come in any order Automerge can sort out: if
// one is in an object none before it made, a first pass learns the objects
// they all make, and a second checks them again. (Changes as a replica
// sends them come in order, so one pass is the rule.)
func checkChunks(raw []byte, l *objLayer) ([]change, error) {
	out, err := checkChunksOnce(raw, l)
	if l == nil || l.learn || !errors.Is(err, errObject) {
		return out, err
	}
	learn := &objLayer{base: l.base, added: l.added, learn: true}
	if _, err := checkChunksOnce(raw, learn); err != nil {
		return nil, err
	}
	return checkChunksOnce(raw, l)
}

func checkChunksOnce(raw []byte, l *objLayer) ([]change, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: no bytes", ErrCorrupt)
	}
	var out []change
	err := walkChunks(raw, func(off int, typ byte, chunk []byte) error {
		switch typ {
		case chunkChange:
			c, err := checkChange(off, chunk, l)
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		case chunkCompressed:
			return fmt.Errorf("%w: chunk at byte %d is a compressed change, which Pairwise never sends", ErrCorrupt, off)
		}
		return fmt.Errorf("%w: chunk at byte %d has type %d, want a change", ErrCorrupt, off, typ)
	})
	return out, err
}

// walkChunks calls fn for each chunk of raw with its offset, its type and
// the whole chunk (header included), after checking its framing.
func walkChunks(raw []byte, fn func(off int, typ byte, chunk []byte) error) error {
	for off := 0; off < len(raw); {
		rest := raw[off:]
		if len(rest) < 10 || !bytes.Equal(rest[:4], chunkMagic) {
			return fmt.Errorf("%w: no chunk header at byte %d", ErrCorrupt, off)
		}
		n, k := binary.Uvarint(rest[9:])
		if k <= 0 || n > uint64(len(rest)-9-k) {
			return fmt.Errorf("%w: chunk at byte %d has a bad length", ErrCorrupt, off)
		}
		end := 9 + k + int(n)
		if err := fn(off, rest[8], rest[:end]); err != nil {
			return err
		}
		off += end
	}
	return nil
}

// checkChange checks one uncompressed change chunk: its size, checksum and
// columns, and, with a layer, its operations' objects and keys. Automerge
// itself refuses a change with compressed columns, but only after reading
// them; refusing here keeps the rule in one place.
func checkChange(off int, chunk []byte, l *objLayer) (change, error) {
	if int64(len(chunk)) > MaxChangeBytes {
		return change{}, &SizeError{What: fmt.Sprintf("change at byte %d", off), Size: int64(len(chunk)), Limit: MaxChangeBytes}
	}
	body, _ := chunkBody(chunk)
	sum := sha256.Sum256(chunk[8:])
	if !bytes.Equal(sum[:4], chunk[4:8]) {
		return change{}, fmt.Errorf("%w: chunk at byte %d fails its checksum", ErrCorrupt, off)
	}
	c := change{hash: automerge.ChangeHash(sum)}
	r := &leb{b: body}
	for i, n := uint64(0), r.uint(); i < n && r.err == nil; i++ {
		var h automerge.ChangeHash
		copy(h[:], r.take(32))
		c.deps = append(c.deps, h)
	}
	actors := []string{string(r.take(r.uint()))} // the change's own, then the others
	r.uint()                                     // sequence number
	startOp := r.uint()
	r.skip()         // time (signed)
	r.take(r.uint()) // message
	for n := r.uint(); uint64(len(actors)-1) < n && r.err == nil; {
		actors = append(actors, string(r.take(r.uint())))
	}
	cols := r.columns()
	if r.err == nil {
		r.err = checkColumnOrder(cols)
	}
	if r.err != nil {
		return change{}, fmt.Errorf("%w: change at byte %d: %w", ErrCorrupt, off, r.err)
	}
	data := make([][]byte, len(cols))
	// Every reader the checks below take, in one allocation: one per
	// column, three to read the actions and values again, seven for the
	// rows. Its capacity is exact, so no pointer handed out moves.
	rs := make([]bytes.Reader, 0, len(cols)+3+7)
	reader := func(b []byte) *bytes.Reader {
		rs = append(rs, bytes.Reader{})
		r := &rs[len(rs)-1]
		r.Reset(b)
		return r
	}
	for i, col := range cols {
		if col.deflate() {
			return change{}, fmt.Errorf("%w: change at byte %d has a compressed column, which Pairwise never sends", ErrCorrupt, off)
		}
		data[i] = r.take(col.len)
		if r.err != nil {
			return change{}, fmt.Errorf("%w: change at byte %d: column data runs past the end", ErrCorrupt, off)
		}
		if err := checkOpColumn(col, reader(data[i]), uint64(len(actors))); err != nil {
			return change{}, fmt.Errorf("%w: change at byte %d: %w", ErrCorrupt, off, err)
		}
	}
	var ops uint64
	if a := findColumn(cols, opAction, colULEB); a >= 0 {
		var err error
		if ops, err = countOps(reader(data[a])); err != nil {
			return change{}, fmt.Errorf("%w: change at byte %d: %w", ErrCorrupt, off, err)
		}
		var meta []byte
		if m := findColumn(cols, opValue, colValueMeta); m >= 0 {
			meta = data[m]
		}
		if err := checkIncrements(reader(data[a]), reader(meta)); err != nil {
			return change{}, fmt.Errorf("%w: change at byte %d: %w", ErrCorrupt, off, err)
		}
	}
	if startOp > math.MaxUint32 || ops > 0 && startOp+ops-1 > math.MaxUint32 {
		return change{}, fmt.Errorf("%w: change at byte %d: %w (%d operations from %d)", ErrCorrupt, off, errCounter, ops, startOp)
	}
	if l != nil {
		open := func(id, kind uint64) io.ByteReader {
			if i := findColumn(cols, id, kind); i >= 0 {
				return reader(data[i])
			}
			return reader(nil)
		}
		if err := checkChangeObjects(newOpRows(open), actors, startOp, l); err != nil {
			return change{}, fmt.Errorf("%w: change at byte %d: %w", ErrCorrupt, off, err)
		}
	}
	return c, nil
}

// chunkBody returns a chunk's data, after its header.
func chunkBody(chunk []byte) ([]byte, int) {
	_, k := binary.Uvarint(chunk[9:])
	return chunk[9+k:], 9 + k
}
