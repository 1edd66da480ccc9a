package store

import (
	"encoding/binary"
	"errors"
	"math"
)

// stateFormat is the first byte of a binary state record. A state is read
// and written several times for each change, so it is a few varints, not
// JSON (which older stores hold, and decodeState still reads).
const stateFormat = 1

// packState writes st as stateFormat followed by its numbers as uvarints,
// in the order of DocState's fields.
func packState(st DocState) []byte {
	b := make([]byte, 1, 48)
	b[0] = stateFormat
	for _, n := range [...]uint64{st.NextChunk, st.NextDSeq, st.Acked, st.Cursor, uint64(st.Chunks), uint64(st.ChunkBytes),
		st.RelaySnap, st.Reborn, st.Reserved, st.UnsureFrom, st.UnsureTo, uint64(st.Epoch)} {
		b = binary.AppendUvarint(b, n)
	}
	return b
}

// unpackState reads what packState wrote, refusing anything else.
func unpackState(v []byte) (DocState, error) {
	if len(v) == 0 || v[0] != stateFormat {
		return DocState{}, errors.New("not a state record this version reads")
	}
	v = v[1:]
	var n [12]uint64
	for i := range n {
		x, k := binary.Uvarint(v)
		if k <= 0 {
			return DocState{}, errors.New("state record cut short")
		}
		n[i], v = x, v[k:]
	}
	if len(v) != 0 {
		return DocState{}, errors.New("state record has bytes after its end")
	}
	if n[4] > math.MaxInt32 || n[5] > math.MaxInt64 || n[11] > math.MaxUint32 {
		return DocState{}, errors.New("state record holds an impossible count")
	}
	return DocState{NextChunk: n[0], NextDSeq: n[1], Acked: n[2], Cursor: n[3], Chunks: int(n[4]), ChunkBytes: int64(n[5]),
		RelaySnap: n[6], Reborn: n[7], Reserved: n[8], UnsureFrom: n[9], UnsureTo: n[10], Epoch: uint32(n[11])}, nil
}
