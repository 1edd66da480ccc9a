package seal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
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

// Snapshots keep random nonces: sealing the same snapshot twice must not
// give the same bytes.
func TestSealSnapshotUsesFreshNonces(t *testing.T) {
	a := SealSnapshot(testKey, testDoc, 1, []byte("same"))
	b := SealSnapshot(testKey, testDoc, 1, []byte("same"))
	if bytes.Equal(a[:24], b[:24]) {
		t.Fatalf("two seals share the nonce %x", a[:24])
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one snapshot gave the same bytes, want different ones")
	}
}

// A record sealed again (a retried push) is the same bytes, so it carries
// the same signature and the relay can tell a retry from a conflict.
func TestSealRecordIsDeterministic(t *testing.T) {
	for _, plain := range [][]byte{nil, []byte("agreed: every two weeks, video"), bytes.Repeat([]byte{7}, 1000)} {
		a := SealRecord(testKey, testDoc, testDevice, 1, plain)
		b := SealRecord(testKey, testDoc, testDevice, 1, bytes.Clone(plain))
		if !bytes.Equal(a, b) {
			t.Fatalf("%d-byte record sealed twice: got %x… then %x…, want the same bytes", len(plain), a[:24], b[:24])
		}
	}
}

// A record's nonce depends on everything sealed: no two different records
// share one, which would break XChaCha20-Poly1305.
func TestSealRecordNonceBindsEverything(t *testing.T) {
	plain := []byte("agreed: every two weeks, video")
	base := SealRecord(testKey, testDoc, testDevice, 5, plain)
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0x01
		return b
	}
	otherKey, otherDoc, otherDevice := testKey, testDoc, testDevice
	otherKey[31] ^= 0x01
	otherDoc[15] ^= 0x01
	otherDevice[15] ^= 0x01
	tests := []struct {
		name   string
		sealed []byte
	}{
		{"first plaintext byte", SealRecord(testKey, testDoc, testDevice, 5, flip(plain, 0))},
		{"last plaintext byte", SealRecord(testKey, testDoc, testDevice, 5, flip(plain, len(plain)-1))},
		{"plaintext one byte longer", SealRecord(testKey, testDoc, testDevice, 5, append(bytes.Clone(plain), 0))},
		{"plaintext one byte shorter", SealRecord(testKey, testDoc, testDevice, 5, plain[:len(plain)-1])},
		{"empty plaintext", SealRecord(testKey, testDoc, testDevice, 5, nil)},
		{"doc", SealRecord(testKey, otherDoc, testDevice, 5, plain)},
		{"device", SealRecord(testKey, testDoc, otherDevice, 5, plain)},
		{"next dseq", SealRecord(testKey, testDoc, testDevice, 6, plain)},
		{"dseq high bit", SealRecord(testKey, testDoc, testDevice, 5|1<<63, plain)},
		{"key", SealRecord(otherKey, testDoc, testDevice, 5, plain)},
	}
	seen := map[string]string{string(base[:24]): "the base record"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nonce := string(tt.sealed[:24])
			if prev, dup := seen[nonce]; dup {
				t.Fatalf("got the nonce %x of %s, want a new one", nonce, prev)
			}
			seen[nonce] = tt.name
		})
	}
}

// The nonce derivation is part of the format: a push retried after an
// upgrade must still seal to the same bytes.
func TestSealRecordGolden(t *testing.T) {
	got := hex.EncodeToString(SealRecord(testKey, testDoc, testDevice, 7, []byte("agreed: every two weeks, video"))) + "\n"
	path := filepath.Join("testdata", "record.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("got  %swant %s", got, want)
	}
	sealed, err := hex.DecodeString(strings.TrimSpace(string(want)))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := OpenRecord(testKey, testDoc, testDevice, 7, sealed); err != nil || string(plain) != "agreed: every two weeks, video" {
		t.Fatalf("OpenRecord(golden): got %q, %v; want the plaintext, nil", plain, err)
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
	// Another record under the same identity: its nonce is valid for its
	// own plaintext only.
	sibling := SealRecord(testKey, testDoc, testDevice, 5, []byte("private: my goal is to lead a team by summer"))
	swappedNonce := append(bytes.Clone(sibling[:24]), sealed[24:]...)

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
		{"nonce of another record", testKey, testDoc, testDevice, 5, swappedNonce},
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
		// Only the genuine seed record can open: anything else is a
		// forgery. Records seal deterministically, so every fuzz worker
		// holds the same bytes as valid.
		if dseq != 9 || !bytes.Equal(sealed, valid) || !bytes.Equal(got, plain) {
			t.Fatalf("opened a record that was never sealed: dseq %d, sealed %x", dseq, sealed)
		}
	})
}

// TestARecordSealerSealsAsSealRecordDoes: the sealer that keeps its nonce
// key gives the very bytes SealRecord gives, record after record, and
// sealers of two keys do not share one.
func TestARecordSealerSealsAsSealRecordDoes(t *testing.T) {
	otherKey := testKey
	otherKey[0] ^= 0x01
	a, b := NewRecordSealer(testKey), NewRecordSealer(otherKey)
	for dseq := uint64(1); dseq <= 3; dseq++ {
		plain := []byte("goal: present at the all-hands, take " + strconv.Itoa(int(dseq)))
		if got, want := a.Seal(testDoc, testDevice, dseq, plain), SealRecord(testKey, testDoc, testDevice, dseq, plain); !bytes.Equal(got, want) {
			t.Fatalf("record %d: the sealer gave %x, SealRecord %x", dseq, got, want)
		}
		if got, want := b.Seal(testDoc, testDevice, dseq, plain), SealRecord(otherKey, testDoc, testDevice, dseq, plain); !bytes.Equal(got, want) {
			t.Fatalf("record %d under the other key: the sealer gave %x, SealRecord %x", dseq, got, want)
		}
	}
}
