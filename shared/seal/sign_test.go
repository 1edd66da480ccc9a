package seal

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// check is CheckRecord or CheckSnapshot: both take the same arguments, n
// being the record's dseq or the snapshot's seq.
type checkFunc func(pub DevicePub, doc, dev [16]byte, n uint64, sealed, sig []byte) bool

func TestSignatures(t *testing.T) {
	k, other := fixedDeviceKey(0x20), fixedDeviceKey(0x40)
	sealed := SealRecord(testKey, testDoc, k.ID(), 5, []byte("agreed: every two weeks"))
	otherDoc := testDoc
	otherDoc[15] ^= 0x01

	kinds := []struct {
		name  string
		label string
		sign  func(k DeviceKey, doc [16]byte, n uint64, sealed []byte) []byte
		check checkFunc
	}{
		{"record", recordSigLabel, DeviceKey.SignRecord, CheckRecord},
		{"snapshot", snapSigLabel, DeviceKey.SignSnapshot, CheckSnapshot},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			sig := kind.sign(k, testDoc, 5, sealed)
			if got, want := len(sig), SigSize; got != want {
				t.Fatalf("signature length: got %d, want %d", got, want)
			}
			if !kind.check(k.Pub(), testDoc, k.ID(), 5, sealed, sig) {
				t.Fatal("got false for the signer's own signature, want true")
			}
			if again := kind.sign(k, testDoc, 5, sealed); !bytes.Equal(again, sig) {
				t.Fatalf("signing again: got %x, want the same signature %x", again, sig)
			}

			flipBody := func(i int) []byte {
				b := bytes.Clone(sealed)
				b[i] ^= 0x01
				return b
			}
			flipSig := bytes.Clone(sig)
			flipSig[SigSize-1] ^= 0x01
			tests := []struct {
				name   string
				pub    DevicePub
				doc    [16]byte
				dev    [16]byte
				n      uint64
				sealed []byte
				sig    []byte
			}{
				{"another key for this device", other.Pub(), testDoc, k.ID(), 5, sealed, sig},
				{"another device's key and ID", other.Pub(), testDoc, other.ID(), 5, sealed, sig},
				{"another device's signature over the same bytes", k.Pub(), testDoc, k.ID(), 5, sealed, kind.sign(other, testDoc, 5, sealed)},
				{"another device's ID with this key", k.Pub(), testDoc, other.ID(), 5, sealed, sig},
				// An impostor signs with its own key over the ID it
				// claims: only the ID's binding to the key refuses it.
				{"another key signing for this device", other.Pub(), testDoc, k.ID(), 5, sealed,
					other.sign(kind.label, testDoc[:], idOf(k), binary.BigEndian.AppendUint64(nil, 5), sealed)},
				{"another doc", k.Pub(), otherDoc, k.ID(), 5, sealed, sig},
				{"next number", k.Pub(), testDoc, k.ID(), 6, sealed, sig},
				{"previous number", k.Pub(), testDoc, k.ID(), 4, sealed, sig},
				{"number with the high bit", k.Pub(), testDoc, k.ID(), 5 | 1<<63, sealed, sig},
				{"flipped first body byte", k.Pub(), testDoc, k.ID(), 5, flipBody(0), sig},
				{"flipped last body byte", k.Pub(), testDoc, k.ID(), 5, flipBody(len(sealed) - 1), sig},
				{"body cut short", k.Pub(), testDoc, k.ID(), 5, sealed[:len(sealed)-1], sig},
				{"body with a byte added", k.Pub(), testDoc, k.ID(), 5, append(bytes.Clone(sealed), 0), sig},
				{"empty body", k.Pub(), testDoc, k.ID(), 5, nil, sig},
				{"flipped signature bit", k.Pub(), testDoc, k.ID(), 5, sealed, flipSig},
				{"truncated signature", k.Pub(), testDoc, k.ID(), 5, sealed, sig[:SigSize-1]},
				{"signature with a byte added", k.Pub(), testDoc, k.ID(), 5, sealed, append(bytes.Clone(sig), 0)},
				{"no signature", k.Pub(), testDoc, k.ID(), 5, sealed, nil},
				{"zero signature", k.Pub(), testDoc, k.ID(), 5, sealed, make([]byte, SigSize)},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if kind.check(tt.pub, tt.doc, tt.dev, tt.n, tt.sealed, tt.sig) {
						t.Fatal("got true, want false")
					}
				})
			}
		})
	}
}

// Record and snapshot signatures cover the same fields in the same layout,
// so only their labels keep one from passing for the other.
func TestRecordAndSnapshotSignaturesAreSeparated(t *testing.T) {
	k := fixedDeviceKey(0x20)
	body := []byte("same sealed bytes")
	rec := k.SignRecord(testDoc, 3, body)
	if CheckSnapshot(k.Pub(), testDoc, k.ID(), 3, body, rec) {
		t.Fatal("a record signature verified as a snapshot signature")
	}
	snap := k.SignSnapshot(testDoc, 3, body)
	if CheckRecord(k.Pub(), testDoc, k.ID(), 3, body, snap) {
		t.Fatal("a snapshot signature verified as a record signature")
	}
}

// The relay chooses the hello nonce, so it must not be able to choose one
// that turns the proof into a signature over something else. This nonce is
// picked so the signed bytes after the label are exactly those of a record
// (doc, device, dseq, 8 sealed bytes) and of a snapshot: only the labels
// keep them apart.
func TestHelloProofIsNoOtherSignature(t *testing.T) {
	k := fixedDeviceKey(0x20)
	id := k.ID()
	var nonce [32]byte
	copy(nonce[:16], testDoc[:])
	copy(nonce[16:], id[:])
	proof := k.HelloProof(nonce)
	if !CheckHelloProof(id, k.Pub(), nonce, proof) {
		t.Fatal("CheckHelloProof: got false for the key's own proof, want true")
	}
	n := binary.BigEndian.Uint64(id[:8])
	sealed := id[8:]
	// Without labels these would be the very bytes the proof signs.
	if got, want := message("", testDoc[:], id[:], id[:8], sealed), message("", nonce[:], id[:]); !bytes.Equal(got, want) {
		t.Fatalf("the test's alignment is off: record body %x, hello body %x", got, want)
	}
	if CheckRecord(k.Pub(), testDoc, id, n, sealed, proof) {
		t.Fatal("a hello proof verified as a record signature")
	}
	if CheckSnapshot(k.Pub(), testDoc, id, n, sealed, proof) {
		t.Fatal("a hello proof verified as a snapshot signature")
	}
	// And the other way round: a record signature is no hello proof.
	if CheckHelloProof(id, k.Pub(), nonce, k.SignRecord(testDoc, n, sealed)) {
		t.Fatal("a record signature verified as a hello proof")
	}
}

// A writer's record signature cannot be passed off as a certificate it
// issued, even over bytes chosen to line up with one.
func TestRecordSignatureIsNoCertificate(t *testing.T) {
	k := fixedDeviceKey(0x20)
	id := k.ID()
	// A certificate body is kind, doc, subject, issuer; a record body is
	// doc, device, dseq, sealed. Choose the certificate's fields so that
	// both bodies are the same bytes.
	c := Cert{Kind: CertWriter, Doc: testDoc, Issuer: k.Pub()}
	c.Doc[15] = id[0]
	copy(c.Subject[:15], id[1:])
	body := c.signed()
	var recDoc [16]byte
	copy(recDoc[:], body[:16])
	if !bytes.Equal(body[16:32], id[:]) {
		t.Fatalf("the test's alignment is off: got %x where the device ID %x should be", body[16:32], id)
	}
	dseq := binary.BigEndian.Uint64(body[32:40])
	sealed := body[40:]
	c.Sig = k.SignRecord(recDoc, dseq, sealed)
	if _, err := ParseCert(c.Encode()); err == nil {
		t.Fatal("ParseCert: a record signature verified as a certificate")
	}
	if !CheckRecord(k.Pub(), recDoc, id, dseq, sealed, c.Sig) {
		t.Fatal("CheckRecord: got false for the record signature itself, want true")
	}
}
