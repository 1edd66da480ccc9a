package seal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fixedDeviceKey returns the key whose seed is first, first+1, …, first+31,
// so tests that need a known key (and golden files) are reproducible.
func fixedDeviceKey(first byte) DeviceKey {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = first + byte(i)
	}
	return DeviceKeyFromSeed(seed)
}

// Device IDs are kept in data folders and on the relay, so the derivation
// is part of the format: a known key must always give the same ID.
func TestDeviceIDGolden(t *testing.T) {
	k := fixedDeviceKey(0)
	pub := k.Pub()
	id := k.ID()
	text := "seed " + hex.EncodeToString(k.Seed()) + "\n" +
		"pub  " + hex.EncodeToString(pub[:]) + "\n" +
		"id   " + hex.EncodeToString(id[:]) + "\n"
	path := filepath.Join("testdata", "device-id.golden")
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got, want := text, string(golden); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDeviceID(t *testing.T) {
	k := NewDeviceKey()
	if !k.Valid() {
		t.Fatal("NewDeviceKey: got an invalid key, want a valid one")
	}
	if (DeviceKey{}).Valid() {
		t.Fatal("the zero DeviceKey: got valid, want invalid")
	}
	if got, want := k.ID(), DeviceIDOf(k.Pub()); got != want {
		t.Fatalf("ID: got %x, want DeviceIDOf(Pub) %x", got, want)
	}
	again := DeviceKeyFromSeed(k.Seed())
	if got, want := again.Pub(), k.Pub(); got != want {
		t.Fatalf("key rebuilt from its seed: got public key %x, want %x", got, want)
	}
	if got, want := again.ID(), k.ID(); got != want {
		t.Fatalf("key rebuilt from its seed: got ID %x, want %x", got, want)
	}
	if other := NewDeviceKey(); other.ID() == k.ID() {
		t.Fatalf("two fresh keys share the ID %x", k.ID())
	}
	// The ID binds to every byte of the public key.
	pub := k.Pub()
	for i := range pub {
		p := pub
		p[i] ^= 0x01
		if got := DeviceIDOf(p); got == k.ID() {
			t.Fatalf("public key with byte %d flipped: got the same ID %x, want another", i, got)
		}
	}
}

func TestParseDeviceSeed(t *testing.T) {
	k := fixedDeviceKey(0x10)
	tests := []struct {
		name string
		seed []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"31 bytes", k.Seed()[:31]},
		{"33 bytes", append(k.Seed(), 0)},
		{"the 64-byte private key", append(k.Seed(), make([]byte, 32)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDeviceSeed(tt.seed)
			if !errors.Is(err, ErrDeviceSeed) {
				t.Fatalf("got error %v, want one wrapping ErrDeviceSeed", err)
			}
			if got.Valid() {
				t.Fatal("got a valid key alongside the error, want the zero DeviceKey")
			}
		})
	}
	t.Run("32 bytes", func(t *testing.T) {
		got, err := ParseDeviceSeed(k.Seed())
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		if got.Pub() != k.Pub() || !bytes.Equal(got.Seed(), k.Seed()) {
			t.Fatalf("got public key %x, want %x", got.Pub(), k.Pub())
		}
	})
}

// idOf returns k's ID as a slice, for signing by hand.
func idOf(k DeviceKey) []byte {
	id := k.ID()
	return id[:]
}

func TestHelloProof(t *testing.T) {
	k, other := fixedDeviceKey(0x20), fixedDeviceKey(0x40)
	nonce := [32]byte{1, 2, 3}
	proof := k.HelloProof(nonce)
	if got, want := len(proof), SigSize; got != want {
		t.Fatalf("proof length: got %d, want %d", got, want)
	}
	if !CheckHelloProof(k.ID(), k.Pub(), nonce, proof) {
		t.Fatal("CheckHelloProof: got false for the key's own proof, want true")
	}

	otherNonce := nonce
	otherNonce[31] ^= 0x01
	flipped := bytes.Clone(proof)
	flipped[10] ^= 0x01
	tests := []struct {
		name  string
		dev   [16]byte
		pub   DevicePub
		nonce [32]byte
		sig   []byte
	}{
		{"another nonce", k.ID(), k.Pub(), otherNonce, proof},
		{"another device's ID", other.ID(), k.Pub(), nonce, proof},
		{"another key claiming this ID", k.ID(), other.Pub(), nonce, other.HelloProof(nonce)},
		// What an impostor would send: its own key, and its own signature
		// over the nonce and the ID it claims. Only the ID's binding to
		// the key refuses it.
		{"another key signing for this ID", k.ID(), other.Pub(), nonce, other.sign(helloLabel, nonce[:], idOf(k))},
		{"another key's proof under this key", k.ID(), k.Pub(), nonce, other.HelloProof(nonce)},
		{"another key's proof checked as its own for this ID", other.ID(), other.Pub(), nonce, proof},
		{"proof for another nonce", k.ID(), k.Pub(), nonce, k.HelloProof(otherNonce)},
		{"flipped bit", k.ID(), k.Pub(), nonce, flipped},
		{"truncated", k.ID(), k.Pub(), nonce, proof[:SigSize-1]},
		{"extra byte", k.ID(), k.Pub(), nonce, append(bytes.Clone(proof), 0)},
		{"empty", k.ID(), k.Pub(), nonce, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if CheckHelloProof(tt.dev, tt.pub, tt.nonce, tt.sig) {
				t.Fatal("CheckHelloProof: got true, want false")
			}
		})
	}
}
