package seal

import "encoding/binary"

// SignRecord signs a sealed record as its device: the document, the
// device, its sequence and the sealed bytes. A replica accepts a record only
// with a valid signature by a writer of the document, so the relay (which
// never holds a device key) and members who may only read cannot forge one.
func (k DeviceKey) SignRecord(doc [16]byte, dseq uint64, sealed []byte) []byte {
	id := k.ID()
	return k.sign(recordSigLabel, doc[:], id[:], binary.BigEndian.AppendUint64(nil, dseq), sealed)
}

// CheckRecord verifies a record's signature by pub, whose ID must be the
// record's device. pub must be a writer's key from Writers (or the
// caller's own), whose strength was checked when it was taken.
func CheckRecord(pub DevicePub, doc, dev [16]byte, dseq uint64, sealed, sig []byte) bool {
	return DeviceIDOf(pub) == dev &&
		verifyVetted(pub, sig, recordSigLabel, doc[:], dev[:], binary.BigEndian.AppendUint64(nil, dseq), sealed)
}

// SignSnapshot signs a sealed snapshot covering the log up to seq.
func (k DeviceKey) SignSnapshot(doc [16]byte, seq uint64, sealed []byte) []byte {
	id := k.ID()
	return k.sign(snapSigLabel, doc[:], id[:], binary.BigEndian.AppendUint64(nil, seq), sealed)
}

// CheckSnapshot verifies a snapshot's signature by pub, whose ID must be
// dev; pub is vetted as for CheckRecord.
func CheckSnapshot(pub DevicePub, doc, dev [16]byte, seq uint64, sealed, sig []byte) bool {
	return DeviceIDOf(pub) == dev &&
		verifyVetted(pub, sig, snapSigLabel, doc[:], dev[:], binary.BigEndian.AppendUint64(nil, seq), sealed)
}
