package seal

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// The RFC 4648 base32 test vectors, spelled in Crockford's alphabet.
func TestEncodeBase32Vectors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"f", "CR"},
		{"fo", "CSQG"},
		{"foo", "CSQPY"},
		{"foob", "CSQPYRG"},
		{"fooba", "CSQPYRK1"},
		{"foobar", "CSQPYRK1E8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(encodeBase32([]byte(tt.in))); got != tt.want {
				t.Fatalf("encode: got %q, want %q", got, tt.want)
			}
			got, err := decodeBase32([]byte(tt.want))
			if err != nil || string(got) != tt.in {
				t.Fatalf("decode: got %q, %v, want %q, nil", got, err, tt.in)
			}
		})
	}
}

func TestBase32RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 64 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		enc := encodeBase32(b)
		got, err := decodeBase32(enc)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%d bytes: got %x, %v, want %x, nil", n, got, err, b)
		}
	}
}

func TestDecodeBase32Rejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"one character", "C", errBase32Length},
		{"three characters", "CSQ", errBase32Length},
		{"six characters", "CSQPYR", errBase32Length},
		{"padding bit set", "CS", errBase32Padding},                  // "f" is CR
		{"padding bits set in last", "CSQPYRK1E9", errBase32Padding}, // "foobar" ends E8
		{"lower case", "cr", base32CharError{Index: 0}},
		{"U", "CU", base32CharError{Index: 1}},
		{"O", "O0", base32CharError{Index: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeBase32([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}
