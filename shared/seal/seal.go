package seal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrOpen is wrapped by every failure to open a sealed record or snapshot,
// whatever the cause: wrong key, wrong identity, tampering or truncation.
// The cause is deliberately not told apart; an AEAD cannot tell, either.
var ErrOpen = errors.New("this data cannot be opened with the pair's key: it was damaged, tampered with, or sealed for another pair")

// Domain-separation labels. A record and a snapshot of the same document
// can never be swapped for each other, and a later format gets a new label.
const (
	recordLabel   = "pairwise record v1"
	snapshotLabel = "pairwise snapshot v1"
)

// Overhead is how many bytes sealing adds to a plaintext: the nonce in
// front and the authentication tag behind.
const Overhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// SealRecord encrypts one record of a document log written by device as its
// dseq-th record. The result is a 24-byte nonce followed by the ciphertext.
// Document, device and dseq are bound in as associated data, so the relay
// cannot replay a record under another identity.
//
// The nonce is derived from the key, the identity and the plaintext (as in
// SIV modes), so sealing the same record again gives the same bytes: a
// retried push carries the same signature, and a device can tell the relay
// holding its own record from the relay holding something else under its
// number. Two different plaintexts never share a nonce.
func SealRecord(k Key, doc [16]byte, device [16]byte, dseq uint64, plain []byte) []byte {
	return NewRecordSealer(k).Seal(doc, device, dseq, plain)
}

// RecordSealer seals records under one document key as SealRecord does,
// deriving the key its nonces are made with once rather than per record.
type RecordSealer struct {
	k     Key
	nonce Secret
}

// NewRecordSealer returns a sealer for records under k.
func NewRecordSealer(k Key) *RecordSealer {
	return &RecordSealer{k: k, nonce: derive(k, "pairwise record nonce key v2")}
}

// Seal is SealRecord under the sealer's key.
func (r *RecordSealer) Seal(doc [16]byte, device [16]byte, dseq uint64, plain []byte) []byte {
	ad := recordAD(doc, device, dseq)
	return sealWithNonce(r.k, ad, plain, syntheticNonce(r.nonce, ad, plain))
}

// OpenRecord decrypts a record sealed by SealRecord with the same key and
// identity. Any failure wraps ErrOpen.
func OpenRecord(k Key, doc [16]byte, device [16]byte, dseq uint64, sealed []byte) ([]byte, error) {
	return openAEAD(k, recordAD(doc, device, dseq), sealed, "record")
}

// SealSnapshot encrypts a snapshot of a whole document that covers its log
// up to and including sequence seq. The layout is that of SealRecord; the
// associated data binds the document and seq under a snapshot label.
func SealSnapshot(k Key, doc [16]byte, seq uint64, plain []byte) []byte {
	return sealAEAD(k, snapshotAD(doc, seq), plain)
}

// OpenSnapshot decrypts a snapshot sealed by SealSnapshot with the same key,
// document and seq. Any failure wraps ErrOpen.
func OpenSnapshot(k Key, doc [16]byte, seq uint64, sealed []byte) ([]byte, error) {
	return openAEAD(k, snapshotAD(doc, seq), sealed, "snapshot")
}

// recordAD is label, NUL, doc, device, dseq (big-endian). Every part after
// the NUL-terminated label has a fixed size, so no two identities encode to
// the same bytes.
func recordAD(doc, device [16]byte, dseq uint64) []byte {
	ad := make([]byte, 0, len(recordLabel)+1+16+16+8)
	ad = append(ad, recordLabel...)
	ad = append(ad, 0)
	ad = append(ad, doc[:]...)
	ad = append(ad, device[:]...)
	return binary.BigEndian.AppendUint64(ad, dseq)
}

// snapshotAD is label, NUL, doc, seq (big-endian).
func snapshotAD(doc [16]byte, seq uint64) []byte {
	ad := make([]byte, 0, len(snapshotLabel)+1+16+8)
	ad = append(ad, snapshotLabel...)
	ad = append(ad, 0)
	ad = append(ad, doc[:]...)
	return binary.BigEndian.AppendUint64(ad, seq)
}

func sealAEAD(k Key, ad, plain []byte) []byte {
	// Random nonces are safe here: 192 bits make a collision negligible
	// however many snapshots a pair writes.
	var nonce [chacha20poly1305.NonceSizeX]byte
	fillRandom(nonce[:])
	return sealWithNonce(k, ad, plain, nonce)
}

func sealWithNonce(k Key, ad, plain []byte, nonce [chacha20poly1305.NonceSizeX]byte) []byte {
	aead, err := chacha20poly1305.NewX(k[:])
	if err != nil {
		// NewX fails only for a key of the wrong size, which Key rules out.
		panic("seal: " + err.Error())
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	copy(out, nonce[:])
	return aead.Seal(out, out, plain, ad)
}

// syntheticNonce is HMAC-SHA-256 under the nonce key (derived from the
// document key, see NewRecordSealer), over the associated data and the
// plaintext, cut to 24 bytes.
func syntheticNonce(sub Secret, ad, plain []byte) (n [chacha20poly1305.NonceSizeX]byte) {
	m := hmac.New(sha256.New, sub[:])
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(ad)))
	m.Write(l[:])
	m.Write(ad)
	m.Write(plain)
	var sum [sha256.Size]byte
	copy(n[:], m.Sum(sum[:0]))
	return n
}

func openAEAD(k Key, ad, sealed []byte, what string) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, &sentenceError{
			msg: "this " + what + " cannot be opened: at " + strconv.Itoa(len(sealed)) +
				" bytes it is too short to be sealed data, so it was cut off on the way. Sync again to fetch it afresh",
			kind: ErrOpen,
		}
	}
	aead, err := chacha20poly1305.NewX(k[:])
	if err != nil {
		panic("seal: " + err.Error())
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, ad)
	if err != nil {
		return nil, &sentenceError{
			msg: "this " + what + " cannot be opened with the pair's key: it was damaged, tampered with, or sealed for another pair. " +
				"If this keeps happening, join the pair again with a fresh invite from your partner",
			kind: ErrOpen,
		}
	}
	return plain, nil
}
