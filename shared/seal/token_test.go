package seal

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewTokenShape(t *testing.T) {
	tok := NewToken()
	rest, ok := strings.CutPrefix(tok, "pwt_")
	if !ok {
		t.Fatalf("got %q, want the prefix pwt_", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		t.Fatalf("got %q, want raw URL base64 after the prefix: %v", rest, err)
	}
	if len(raw) != 32 {
		t.Fatalf("got %d random bytes, want 32", len(raw))
	}
	if other := NewToken(); other == tok {
		t.Fatalf("got the same token %q twice", tok)
	}
}

func TestTokenMatches(t *testing.T) {
	tok := NewToken()
	want := TokenHash(tok)
	if got := sha256.Sum256([]byte(tok)); got != want {
		t.Fatalf("TokenHash: got %x, want SHA-256 %x", want, got)
	}
	last := tok[len(tok)-1]
	changed := tok[:len(tok)-1] + string(last^1)
	tests := []struct {
		name string
		tok  string
		want bool
	}{
		{"same token", tok, true},
		{"last character changed", changed, false},
		{"another token", NewToken(), false},
		{"prefix only", "pwt_", false},
		{"empty", "", false},
		{"surrounding space", " " + tok, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TokenMatches(tt.tok, want); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
