package relaystore

import (
	"bytes"
	"errors"
	"testing"

	"pairwise/shared/wire"
)

// FuzzDecodeStored feeds arbitrary stored keys and values to the decoders
// of records and document entries: damage must come back as ErrCorrupt,
// never a panic, and whatever decodes must encode back to the same bytes.
func FuzzDecodeStored(f *testing.F) {
	var doc wire.DocID
	doc[3] = 9
	rec := wire.Record{Seq: 5, DSeq: 2, Body: []byte("sealed")}
	rec.Device[0] = 1
	v := append(append(append([]byte{}, rec.Device[:]...), u64(rec.DSeq)...), rec.Body...)
	f.Add(key(kRecord, doc, u64(rec.Seq)), v)
	f.Add(key(kRecord, doc), []byte{1, 2})
	f.Add([]byte{kMeta}, encodeMeta(Doc{Head: 3, SnapSeq: 1}))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		if r, err := decodeRecord(k, v); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("record error %v is not ErrCorrupt", err)
			}
		} else {
			back := append(append(append([]byte{}, r.Device[:]...), u64(r.DSeq)...), r.Body...)
			if !bytes.Equal(back, v) {
				t.Fatalf("record does not round-trip")
			}
		}
		if d, err := decodeMeta(v); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("meta error %v is not ErrCorrupt", err)
			}
		} else if !bytes.Equal(encodeMeta(d), v) {
			t.Fatalf("document entry does not round-trip")
		}
	})
}
