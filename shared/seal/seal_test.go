package seal

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fixed identities, so failures are reproducible.
var (
	testKey    = Key{1, 2, 3, 4, 5, 6, 7, 8}
	testDoc    = [16]byte{0xd0, 0xc0}
	testDevice = [16]byte{0xde, 0x71}
)

func TestSealRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		plain []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"short", []byte("agreed: every two weeks, video")},
		{"one MiB", bytes.Repeat([]byte{0xab}, 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := SealRecord(testKey, testDoc, testDevice, 7, tt.plain)
			if got, want := len(sealed), len(tt.plain)+Overhead; got != want {
				t.Fatalf("sealed length: got %d, want %d", got, want)
			}
			if len(tt.plain) > 0 && bytes.Contains(sealed, tt.plain) {
				t.Fatal("sealed output contains the plaintext")
			}
			got, err := OpenRecord(testKey, testDoc, testDevice, 7, sealed)
			if err != nil {
				t.Fatalf("OpenRecord: got error %v, want nil", err)
			}
			if !bytes.Equal(got, tt.plain) {
				t.Fatalf("got %d bytes %.16x…, want %d bytes %.16x…", len(got), got, len(tt.plain), tt.plain)
			}
		})
	}
}

func TestSealSnapshotRoundTrip(t *testing.T) {
	plain := []byte("whole document")
	sealed := SealSnapshot(testKey, testDoc, 42, plain)
	got, err := OpenSnapshot(testKey, testDoc, 42, sealed)
	if err != nil {
		t.Fatalf("OpenSnapshot: got error %v, want nil", err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("got %q, want %q", got, plain)
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	a := SealRecord(testKey, testDoc, testDevice, 1, []byte("same"))
	b := SealRecord(testKey, testDoc, testDevice, 1, []byte("same"))
	if bytes.Equal(a[:24], b[:24]) {
		t.Fatalf("two seals share the nonce %x", a[:24])
	}
}

func TestOpenRecordFails(t *testing.T) {
	plain := []byte("private: my goal is to lead a team by spring")
	sealed := SealRecord(testKey, testDoc, testDevice, 5, plain)

	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	otherKey := testKey
	otherKey[31] ^= 0x80
	otherDoc := testDoc
	otherDoc[15] = 1
	otherDevice := testDevice
	otherDevice[0] ^= 0xff

	tests := []struct {
		name   string
		key    Key
		doc    [16]byte
		device [16]byte
		dseq   uint64
		sealed []byte
	}{
		{"wrong key", otherKey, testDoc, testDevice, 5, sealed},
		{"zero key", Key{}, testDoc, testDevice, 5, sealed},
		{"wrong doc", testKey, otherDoc, testDevice, 5, sealed},
		{"wrong device", testKey, testDoc, otherDevice, 5, sealed},
		{"wrong dseq", testKey, testDoc, testDevice, 6, sealed},
		{"dseq zero", testKey, testDoc, testDevice, 0, sealed},
		{"flipped bit in nonce", testKey, testDoc, testDevice, 5, flip(0)},
		{"flipped bit in ciphertext", testKey, testDoc, testDevice, 5, flip(30)},
		{"flipped bit in tag", testKey, testDoc, testDevice, 5, flip(len(sealed) - 1)},
		{"truncated tag", testKey, testDoc, testDevice, 5, sealed[:len(sealed)-1]},
		{"nonce and tag only", testKey, testDoc, testDevice, 5, sealed[:Overhead]},
		{"nonce only", testKey, testDoc, testDevice, 5, sealed[:24]},
		{"one byte short of overhead", testKey, testDoc, testDevice, 5, sealed[:Overhead-1]},
		{"one byte", testKey, testDoc, testDevice, 5, sealed[:1]},
		{"empty", testKey, testDoc, testDevice, 5, []byte{}},
		{"nil", testKey, testDoc, testDevice, 5, nil},
		{"extra byte", testKey, testDoc, testDevice, 5, append(bytes.Clone(sealed), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenRecord(tt.key, tt.doc, tt.device, tt.dseq, tt.sealed)
			assertOpenFailed(t, got, err, "record")
		})
	}
}

func TestOpenSnapshotFails(t *testing.T) {
	sealed := SealSnapshot(testKey, testDoc, 100, []byte("snapshot"))
	otherDoc := testDoc
	otherDoc[3] = 3
	tests := []struct {
		name   string
		doc    [16]byte
		seq    uint64
		sealed []byte
	}{
		{"wrong seq", testDoc, 99, sealed},
		{"wrong doc", otherDoc, 100, sealed},
		{"truncated", testDoc, 100, sealed[:10]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenSnapshot(testKey, tt.doc, tt.seq, tt.sealed)
			assertOpenFailed(t, got, err, "snapshot")
		})
	}
}

// A relay must not be able to pass a record off as a snapshot or the other
// way round, even where the numbers line up.
func TestRecordAndSnapshotAreDomainSeparated(t *testing.T) {
	plain := []byte("same bytes")
	rec := SealRecord(testKey, testDoc, [16]byte{}, 3, plain)
	got, err := OpenSnapshot(testKey, testDoc, 3, rec)
	assertOpenFailed(t, got, err, "snapshot")

	snap := SealSnapshot(testKey, testDoc, 3, plain)
	got, err = OpenRecord(testKey, testDoc, [16]byte{}, 3, snap)
	assertOpenFailed(t, got, err, "record")
}

func assertOpenFailed(t *testing.T, got []byte, err error, what string) {
	t.Helper()
	if !errors.Is(err, ErrOpen) {
		t.Fatalf("got error %v, want one wrapping ErrOpen", err)
	}
	if got != nil {
		t.Fatalf("got plaintext %x alongside the error, want nil", got)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "this "+what+" cannot be opened") {
		t.Fatalf("got message %q, want a sentence about the %s", msg, what)
	}
}

func FuzzOpenRecord(f *testing.F) {
	plain := []byte("fuzz seed")
	valid := SealRecord(testKey, testDoc, testDevice, 9, plain)
	f.Add(valid, uint64(9))
	f.Add(valid[:Overhead], uint64(9))
	f.Add([]byte{}, uint64(0))
	f.Add(make([]byte, Overhead+1), uint64(1))
	f.Add(SealSnapshot(testKey, testDoc, 9, plain), uint64(9))
	f.Fuzz(func(t *testing.T, sealed []byte, dseq uint64) {
		got, err := OpenRecord(testKey, testDoc, testDevice, dseq, sealed)
		if err != nil {
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("got error %v, want one wrapping ErrOpen", err)
			}
			return
		}
		// Only a genuine seed record can open: anything else is a forgery.
		// (Each fuzz worker seals its own seed with a fresh nonce, so the
		// bytes cannot be compared with this process's copy.)
		if dseq != 9 || !bytes.Equal(got, plain) {
			t.Fatalf("opened a record that was never sealed: dseq %d, sealed %x", dseq, sealed)
		}
	})
}
