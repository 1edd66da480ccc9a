package relaystore

import (
	"bytes"
	"errors"
	"testing"

	"pairwise/shared/wire"
)

// FuzzDecodeStored feeds arbitrary stored keys and values to the decoders
// of records, document entries and snapshots: damage must come back as ErrCorrupt,
// never a panic, and whatever decodes must encode back to the same bytes.
func FuzzDecodeStored(f *testing.F) {
	var doc wire.DocID
	doc[3] = 9
	rec := wire.Record{Seq: 5, DSeq: 2, Body: []byte("sealed"), Sig: bytes.Repeat([]byte{7}, 64)}
	rec.Device[0] = 1
	f.Add(key(kRecord, doc, u64(rec.Seq)), encodeRecord(rec))
	rec.Sig = nil
	f.Add(key(kRecord, doc, u64(rec.Seq)), encodeRecord(rec))
	f.Add(key(kRecord, doc), []byte{1, 2})
	f.Add([]byte{kMeta}, encodeMeta(Doc{Head: 3, SnapSeq: 1}))
	f.Add([]byte{kSnap}, encodeSnap(Snap{Seq: 4, Body: []byte("snapshot"), Sig: []byte{1, 2}}))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		if r, err := decodeRecord(k, v); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("record error %v is not ErrCorrupt", err)
			}
		} else {
			if !bytes.Equal(encodeRecord(r), v) {
				t.Fatalf("record does not round-trip")
			}
		}
		if d, err := decodeMeta(v); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("meta error %v is not ErrCorrupt", err)
			}
		} else if again, err := decodeMeta(encodeMeta(d)); err != nil || again != d || (len(v) == metaLen && !bytes.Equal(encodeMeta(d), v)) {
			t.Fatalf("document entry does not round-trip")
		}
		if sn, err := decodeSnap(v); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("snapshot error %v is not ErrCorrupt", err)
			}
		} else if !bytes.Equal(encodeSnap(sn), v) {
			t.Fatalf("snapshot entry does not round-trip")
		}
	})
}
