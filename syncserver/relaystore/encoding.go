package relaystore

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"pairwise/shared/wire"
)

// Value layouts (format 2). Fixed-size parts first, then a one-byte length
// for a signature, then the sealed body, which runs to the end.
//
//	meta:     write hash(32) read hash(32) head(8) snapshot seq(8) root(32)
//	record:   device(16) dseq(8) siglen(1) sig body
//	snapshot: seq(8) device(16) siglen(1) sig body
//
// Format 1 had no root, no signatures and no snapshot device; a document
// entry of format 1 (80 bytes) still reads, with a zero root.
const (
	metaLenV1 = 32 + 32 + 8 + 8
	metaLen   = metaLenV1 + 32
	recHead   = 16 + 8 + 1
	snapHead  = 8 + 16 + 1
)

func encodeMeta(d Doc) []byte {
	b := make([]byte, 0, metaLen)
	b = append(b, d.WriteHash[:]...)
	b = append(b, d.ReadHash[:]...)
	b = binary.BigEndian.AppendUint64(b, d.Head)
	b = binary.BigEndian.AppendUint64(b, d.SnapSeq)
	return append(b, d.Root[:]...)
}

func decodeMeta(b []byte) (Doc, error) {
	var d Doc
	if len(b) != metaLen && len(b) != metaLenV1 {
		return d, fmt.Errorf("%w: document entry of %d bytes", ErrCorrupt, len(b))
	}
	copy(d.WriteHash[:], b[:32])
	copy(d.ReadHash[:], b[32:64])
	d.Head = binary.BigEndian.Uint64(b[64:72])
	d.SnapSeq = binary.BigEndian.Uint64(b[72:80])
	if len(b) == metaLen {
		copy(d.Root[:], b[80:])
	}
	return d, nil
}

func encodeRecord(rec wire.Record) []byte {
	v := make([]byte, 0, recHead+len(rec.Sig)+len(rec.Body))
	v = append(v, rec.Device[:]...)
	v = binary.BigEndian.AppendUint64(v, rec.DSeq)
	v = append(v, byte(len(rec.Sig)))
	v = append(v, rec.Sig...)
	return append(v, rec.Body...)
}

// decodeRecord reads a stored record from its key and value. Stored data
// that does not parse is reported as damage, never trusted.
func decodeRecord(k, v []byte) (wire.Record, error) {
	if len(k) != 1+16+8 || k[0] != kRecord {
		return wire.Record{}, fmt.Errorf("%w: record key of %d bytes", ErrCorrupt, len(k))
	}
	rec := wire.Record{Seq: binary.BigEndian.Uint64(k[17:])}
	if len(v) < recHead || len(v) < recHead+int(v[24]) {
		return wire.Record{}, fmt.Errorf("%w: record %d is %d bytes", ErrCorrupt, rec.Seq, len(v))
	}
	copy(rec.Device[:], v[:16])
	rec.DSeq = binary.BigEndian.Uint64(v[16:24])
	n := int(v[24])
	if n > 0 {
		rec.Sig = bytes.Clone(v[recHead : recHead+n])
	}
	rec.Body = bytes.Clone(v[recHead+n:])
	return rec, nil
}

// recordBodySize is the size of a stored record's sealed body.
func recordBodySize(v []byte) int64 {
	if len(v) < recHead {
		return 0
	}
	return int64(len(v) - recHead - int(v[24]))
}

func encodeSnap(s Snap) []byte {
	v := make([]byte, 0, snapHead+len(s.Sig)+len(s.Body))
	v = binary.BigEndian.AppendUint64(v, s.Seq)
	v = append(v, s.Device[:]...)
	v = append(v, byte(len(s.Sig)))
	v = append(v, s.Sig...)
	return append(v, s.Body...)
}

func decodeSnap(v []byte) (Snap, error) {
	if len(v) < snapHead || len(v) < snapHead+int(v[24]) {
		return Snap{}, fmt.Errorf("%w: snapshot entry of %d bytes", ErrCorrupt, len(v))
	}
	s := Snap{Seq: binary.BigEndian.Uint64(v[:8])}
	copy(s.Device[:], v[8:24])
	n := int(v[24])
	if n > 0 {
		s.Sig = bytes.Clone(v[snapHead : snapHead+n])
	}
	s.Body = bytes.Clone(v[snapHead+n:])
	return s, nil
}
