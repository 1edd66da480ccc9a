package seal

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedInvite is built from fixed bytes so its code never changes.
func fixedInvite(readOnly bool) Invite {
	inv := Invite{Relay: "wss://relay.example.org/pairwise", ReadOnly: readOnly}
	for i := range inv.Doc {
		inv.Doc[i] = byte(i)
	}
	for i := range inv.Key {
		inv.Key[i] = 0x20 + byte(i)
	}
	for i := range inv.Secret {
		inv.Secret[i] = 0x40 + byte(i)
	}
	return inv
}

func TestInviteGolden(t *testing.T) {
	tests := []struct {
		file string
		inv  Invite
	}{
		{"invite-write.golden", fixedInvite(false)},
		{"invite-readonly.golden", fixedInvite(true)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			code := tt.inv.String()
			if *update {
				if err := os.WriteFile(path, []byte(code+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			want := strings.TrimSuffix(string(golden), "\n")
			if code != want {
				t.Fatalf("String:\ngot  %s\nwant %s", code, want)
			}
			got, err := ParseInvite(want)
			if err != nil {
				t.Fatalf("ParseInvite(golden): got error %v, want nil", err)
			}
			if got != tt.inv {
				t.Fatalf("ParseInvite(golden): got %#v, want %#v", got, tt.inv)
			}
		})
	}
}

func TestInviteShape(t *testing.T) {
	code := fixedInvite(false).String()
	body, ok := strings.CutPrefix(code, "PW1-")
	if !ok {
		t.Fatalf("got %q, want the prefix PW1-", code)
	}
	groups := strings.Split(body, "-")
	for i, g := range groups {
		if len(g) != 5 && i != len(groups)-1 || len(g) == 0 || len(g) > 5 {
			t.Fatalf("group %d: got %q, want five characters (the last may be shorter)", i, g)
		}
		for _, c := range g {
			if !strings.ContainsRune(crockfordAlphabet, c) {
				t.Fatalf("group %d: got %q, want only %s", i, c, crockfordAlphabet)
			}
		}
	}
}

func TestInviteRoundTrip(t *testing.T) {
	long := "wss://relay.example.org/" + strings.Repeat("p", maxRelayLen-len("wss://relay.example.org/"))
	tests := []struct {
		name string
		inv  Invite
	}{
		{"write", fixedInvite(false)},
		{"read-only", fixedInvite(true)},
		{"random", Invite{Relay: "ws://10.0.0.7:8080", Doc: NewDocID(), Key: NewKey(), Secret: NewSecret()}},
		{"shortest relay", Invite{Relay: "ws://h"}},
		{"relay with port, path and query", Invite{Relay: "wss://sync.example.net:8443/v1/ws?org=acme", ReadOnly: true}},
		{"relay with a non-ASCII host", Invite{Relay: "wss://bücher.example/relay"}},
		{"relay of 512 bytes", Invite{Relay: long, Doc: NewDocID(), Key: NewKey(), Secret: NewSecret()}},
		{"cohort", Invite{Relay: "wss://relay.example.org", Doc: NewDocID(), Key: NewKey(), Secret: NewSecret(), Cohort: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvite(tt.inv.String())
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got != tt.inv {
				t.Fatalf("got %#v, want %#v", got, tt.inv)
			}
		})
	}
}

func TestParseInviteForgiving(t *testing.T) {
	want := fixedInvite(false)
	code := want.String()
	if !strings.ContainsAny(code[4:], "01") {
		t.Fatalf("the fixed code %s has no 0 or 1, so look-alikes go untested", code)
	}
	body := code[4:]
	tests := []struct {
		name string
		code string
	}{
		{"as printed", code},
		{"lower case", strings.ToLower(code)},
		{"spaces for dashes", strings.ReplaceAll(code, "-", " ")},
		{"no separators", "PW1" + strings.ReplaceAll(body, "-", "")},
		{"broken across lines", strings.ReplaceAll(code, "-", "\n")},
		{"CRLF and tabs", strings.ReplaceAll(code, "-", "\r\n\t")},
		{"surrounding space", "  \t" + code + " \n"},
		{"trailing full stop", code + "."},
		{"trailing full stop and space", " " + code + ". "},
		{"O for 0", strings.ReplaceAll(code, "0", "O")},
		{"o for 0", strings.ReplaceAll(code, "0", "o")},
		{"I for 1", strings.ReplaceAll(code, "1", "I")},
		{"l for 1", strings.ReplaceAll(code, "1", "l")},
		{"L for 1 in the prefix", "PWL-" + body},
		{"en dashes", strings.ReplaceAll(code, "-", "–")},
		{"non-breaking spaces", strings.ReplaceAll(code, "-", "\u00a0")},
		{"read aloud in pairs", spaced(code, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvite(tt.code)
			if err != nil {
				t.Fatalf("ParseInvite(%q): got error %v, want nil", tt.code, err)
			}
			if got != want {
				t.Fatalf("got %#v, want %#v", got, want)
			}
		})
	}
}

// spaced drops the dashes and puts a space after every n characters.
func spaced(code string, n int) string {
	flat := strings.ReplaceAll(code, "-", "")
	var b strings.Builder
	for i, c := range flat {
		if i > 0 && i%n == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Every single-character change to a code is caught: the result is an
// error, never a different invite.
func TestParseInviteDetectsEverySubstitution(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		want := fixedInvite(readOnly)
		code := want.String()
		replacements := crockfordAlphabet + "ILOU-*. "
		checked := 0
		for i := range len(code) {
			for _, r := range replacements {
				if normalizeRune(r) == normalizeRune(rune(code[i])) {
					continue // the same character as far as ParseInvite is concerned
				}
				mutated := code[:i] + string(r) + code[i+1:]
				got, err := ParseInvite(mutated)
				checked++
				if err == nil {
					t.Fatalf("%q (position %d → %q): got %#v, nil; want an error", mutated, i, r, got)
				}
				if !errors.Is(err, ErrInviteChecksum) && !errors.Is(err, ErrInviteFormat) &&
					!(i == 2 && errors.Is(err, ErrInviteVersion)) {
					t.Fatalf("%q (position %d → %q): got %v, want ErrInviteChecksum or ErrInviteFormat", mutated, i, r, err)
				}
			}
		}
		if checked < len(code)*30 {
			t.Fatalf("checked only %d substitutions in a %d-character code", checked, len(code))
		}
	}
}

// normalizeRune says what a character means to ParseInvite; separators all
// mean "nothing".
func normalizeRune(r rune) string {
	b, err := normalizeInvite("x" + string(r) + "x")
	if err != nil {
		return "error"
	}
	return string(b)
}

// rawInvite encodes an arbitrary binary body with a valid checksum, to
// reach the checks that run after the checksum.
func rawInvite(body []byte) string {
	sum := sha256.Sum256(body)
	return invitePrefix + string(encodeBase32(append(body, sum[:inviteSumLen]...)))
}

func rawBody(version, flags byte, lenField []byte, relay string) []byte {
	b := []byte{version, flags}
	b = append(b, make([]byte, 80)...)
	b = append(b, lenField...)
	return append(b, relay...)
}

func TestParseInviteErrors(t *testing.T) {
	good := fixedInvite(false).String()
	relay := "ws://relay"
	lenOf := func(n int) []byte { return binary.AppendUvarint(nil, uint64(n)) }
	tests := []struct {
		name string
		code string
		want error
	}{
		{"empty", "", ErrInviteFormat},
		{"only space", " \n\t", ErrInviteFormat},
		{"prose", "hello there, here is the link", ErrInviteFormat},
		{"a URL", "https://example.org/invite", ErrInviteFormat},
		{"other prefix", "XY1-" + good[4:], ErrInviteFormat},
		{"emoji before the prefix", "🙂" + good, ErrInviteFormat},
		{"prefix only", "PW1-", ErrInviteFormat},
		{"version 2 prefix", "PW2-" + good[4:], ErrInviteVersion},
		{"half a code", good[:len(good)/2], ErrInviteFormat},
		{"last character dropped", good[:len(good)-1], ErrInviteChecksum},
		{"character added", good + "0", ErrInviteChecksum},
		{"U in the code", good[:10] + "U" + good[11:], ErrInviteChecksum},
		{"emoji in the code", good[:10] + "🙂" + good[11:], ErrInviteChecksum},
		{"two codes pasted", good + good, ErrInviteChecksum},
		{"binary version 0", rawInvite(rawBody(0, 0, lenOf(len(relay)), relay)), ErrInviteFormat},
		{"binary version 2", rawInvite(rawBody(2, 0, lenOf(len(relay)), relay)), ErrInviteVersion},
		{"unknown flag", rawInvite(rawBody(1, 4, lenOf(len(relay)), relay)), ErrInviteVersion},
		{"relay length not minimal", rawInvite(rawBody(1, 0, []byte{0x8a, 0x00}, relay)), ErrInviteFormat},
		{"relay length too long", rawInvite(rawBody(1, 0, lenOf(len(relay)+1), relay)), ErrInviteFormat},
		{"relay length too short", rawInvite(rawBody(1, 0, lenOf(len(relay)-1), relay)), ErrInviteFormat},
		{"relay over 512 bytes", Invite{Relay: "wss://h/" + strings.Repeat("a", 505)}.String(), ErrInviteFormat},
		{"relay over 2^63 bytes", rawInvite(rawBody(1, 0, lenOf(-1), "")), ErrInviteFormat},
		{"empty relay", Invite{}.String(), ErrInviteFormat},
		{"https relay", Invite{Relay: "https://relay.example.org"}.String(), ErrInviteFormat},
		{"relay without host", Invite{Relay: "wss:///path"}.String(), ErrInviteFormat},
		{"opaque relay", Invite{Relay: "ws:relay"}.String(), ErrInviteFormat},
		{"relay with a space", Invite{Relay: "ws://re lay"}.String(), ErrInviteFormat},
		{"relay not UTF-8", Invite{Relay: "ws://h/\xff"}.String(), ErrInviteFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvite(tt.code)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %#v, %v; want an error wrapping %v", got, err, tt.want)
			}
			if got != (Invite{}) {
				t.Fatalf("got %#v alongside the error, want the zero Invite", got)
			}
			if msg := err.Error(); strings.Contains(msg, "base32") || strings.Contains(msg, "uvarint") {
				t.Fatalf("got message %q, want a sentence without internals", msg)
			}
		})
	}
}

func FuzzParseInvite(f *testing.F) {
	for _, name := range []string{"invite-write.golden", "invite-readonly.golden"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		f.Add(strings.ToLower(string(b)))
	}
	f.Add(Invite{Relay: "ws://h"}.String())
	f.Add("")
	f.Add("PW1-")
	f.Add("PW9-00000")
	f.Add(rawInvite(rawBody(1, 0, []byte{0x8a, 0x00}, "ws://relay")))
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := ParseInvite(s)
		if err != nil {
			if !errors.Is(err, ErrInviteFormat) && !errors.Is(err, ErrInviteChecksum) && !errors.Is(err, ErrInviteVersion) {
				t.Fatalf("got error %v, want one wrapping an ErrInvite sentinel", err)
			}
			if inv != (Invite{}) {
				t.Fatalf("got %#v alongside the error, want the zero Invite", inv)
			}
			return
		}
		again, err := ParseInvite(inv.String())
		if err != nil {
			t.Fatalf("re-encoded %q: got error %v, want nil", inv.String(), err)
		}
		if again != inv {
			t.Fatalf("re-encoded: got %#v, want %#v", again, inv)
		}
	})
}
