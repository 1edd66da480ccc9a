package seal

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedInvite is built from fixed bytes so its code never changes. The
// read-only invite names the root; the write invite also carries an
// admission, signed for real by the root, so its holder can become a writer.
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
	root := fixedInviteRoot()
	inv.Root = root.Pub()
	if !readOnly {
		a := &Admission{Issuer: root.Pub()}
		for i := range a.Seed {
			a.Seed[i] = 0x80 + byte(i)
		}
		c := root.Issue(CertAdmission, inv.Doc, DeviceKeyFromSeed(a.Seed[:]).Pub())
		copy(a.Sig[:], c.Sig)
		inv.Admit = a
	}
	return inv
}

// fixedInviteRoot is the device that made the fixed invites.
func fixedInviteRoot() DeviceKey { return fixedDeviceKey(0x60) }

// sameInvite reports whether two invites say the same thing, admissions
// compared by content.
func sameInvite(a, b Invite) bool {
	aa, ba := a.Admit, b.Admit
	ar, br := a.Read, b.Read
	a.Admit, b.Admit, a.Read, b.Read = nil, nil, nil, nil
	if a != b || (aa == nil) != (ba == nil) || (ar == nil) != (br == nil) {
		return false
	}
	return (aa == nil || *aa == *ba) && (ar == nil || *ar == *br)
}

// showInvite formats an invite for a failure message, admission included.
func showInvite(i Invite) string {
	a := i.Admit
	i.Admit = nil
	if i.Read != nil {
		defer func(r Secret) { i.Read = &r }(*i.Read)
	}
	if a == nil {
		return fmt.Sprintf("%+v (no admission)", i)
	}
	return fmt.Sprintf("%+v with admission %+v", i, *a)
}

// v1Codes are invite codes made by Pairwise 1 (the golden codes of that
// version), as people may still have them in their messages.
var v1Codes = []string{
	"PW1-04000-0820C-20A1G-7104G-M2RC1-M70Y8-1148H-J8996-4WM2J-AHB5G-PJWBS-G64S3-6D1N6-RVKGE-9T7CY-3TFHZ-810M4-GT48N-34EJ2-9995M-RKAE9-X852M-JKAHA-NCNTR-B5D5P-Q2XBS-FJ0XV-KECX2-YBVJC-NP62Y-9ECNW-62VBG-DHJJW-VVJCW-QQ0RB-9E9VP-JWV58-FXS6G-R",
	"PW1-040G0-0820C-20A1G-7104G-M2RC1-M70Y8-1148H-J8996-4WM2J-AHB5G-PJWBS-G64S3-6D1N6-RVKGE-9T7CY-3TFHZ-810M4-GT48N-34EJ2-9995M-RKAE9-X852M-JKAHA-NCNTR-B5D5P-Q2XBS-FJ0XV-KECX2-YBVJC-NP62Y-9ECNW-62VBG-DHJJW-VVJCW-QQ0RB-9E9VP-JWV5J-C2BF6-8",
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
			if !sameInvite(got, tt.inv) {
				t.Fatalf("ParseInvite(golden): got %s, want %s", showInvite(got), showInvite(tt.inv))
			}
		})
	}
}

func TestInviteShape(t *testing.T) {
	code := fixedInvite(false).String()
	body, ok := strings.CutPrefix(code, "PW2-")
	if !ok {
		t.Fatalf("got %q, want the prefix PW2-", code)
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
	creator := NewDeviceKey()
	random := func(i Invite) Invite {
		i.Doc, i.Key, i.Secret, i.Root = NewDocID(), NewKey(), NewSecret(), NewDeviceKey().Pub()
		if i.Admit != nil {
			i.Admit = NewAdmission(creator, i.Doc) // ParseInvite checks it is for this document
		}
		return i
	}
	withAdmission := random(Invite{Relay: "wss://relay.example.org"})
	withAdmission.Root = creator.Pub()
	withAdmission.Admit = NewAdmission(creator, withAdmission.Doc)
	cohortKey := NewKey()
	tests := []struct {
		name string
		inv  Invite
	}{
		{"write", fixedInvite(false)},
		{"read-only", fixedInvite(true)},
		{"random read-only", random(Invite{Relay: "ws://10.0.0.7:8080", ReadOnly: true})},
		{"random write with a fresh admission", withAdmission},
		{"zero root, no admission", Invite{Relay: "ws://h"}},
		{"relay with port, path and query", random(Invite{Relay: "wss://sync.example.net:8443/v1/ws?org=acme", ReadOnly: true})},
		{"relay with a non-ASCII host", random(Invite{Relay: "wss://bücher.example/relay"})},
		{"relay of 512 bytes", random(Invite{Relay: long, Admit: NewAdmission(creator, NewDocID())})},
		{"cohort member", Invite{Relay: "wss://relay.example.org", Doc: NewDocID(), Key: cohortKey, Cohort: true, Root: creator.Pub()}},
		{"cohort manager", random(Invite{Relay: "wss://relay.example.org", Cohort: true, Admit: NewAdmission(creator, NewDocID())})},
		{"write, with the read-only secret", withRead(withAdmission)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvite(tt.inv.String())
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !sameInvite(got, tt.inv) {
				t.Fatalf("got %s, want %s", showInvite(got), showInvite(tt.inv))
			}
		})
	}
}

// The whole write-invite path: the inviter makes an admission, the code
// carries it, and the joiner's device becomes a writer that the inviter's
// replica (which knows the root from having created the pair) accepts.
func TestInviteAdmissionMakesAWriter(t *testing.T) {
	inviter, joiner, reader := NewDeviceKey(), NewDeviceKey(), NewDeviceKey()
	doc := NewDocID()
	sent := Invite{Relay: "wss://relay.example.org", Doc: doc, Key: NewKey(), Secret: NewSecret(),
		Root: inviter.Pub(), Admit: NewAdmission(inviter, doc)}
	readOnly := sent
	readOnly.ReadOnly, readOnly.Admit = true, nil

	got, err := ParseInvite(sent.String())
	if err != nil {
		t.Fatalf("ParseInvite: got error %v, want nil", err)
	}
	if got.Admit == nil {
		t.Fatal("ParseInvite: got no admission, want the one sent")
	}
	inviterView := NewWriters(doc, inviter.Pub())
	joinerView := NewWriters(got.Doc, got.Root) // the joiner trusts the root from the code
	certs := got.Admit.Certs(got.Doc, joiner.Pub())
	for name, w := range map[string]*Writers{"inviter": inviterView, "joiner": joinerView} {
		if added := mustAdd(t, w, certs...); len(added) != len(certs) {
			t.Fatalf("%s's replica: got %d accepted, want %d", name, len(added), len(certs))
		}
		assertWriter(t, w, joiner, name+"'s replica")
	}

	ro, err := ParseInvite(readOnly.String())
	if err != nil {
		t.Fatalf("ParseInvite(read-only): got error %v, want nil", err)
	}
	if ro.Admit != nil {
		t.Fatalf("ParseInvite(read-only): got admission %+v, want none", *ro.Admit)
	}
	if ro.Root != inviter.Pub() {
		t.Fatalf("ParseInvite(read-only): got root %x, want %x", ro.Root, inviter.Pub())
	}
	// The reader has no admission to use; certifying itself gets nowhere.
	mustAdd(t, inviterView, reader.Issue(CertWriter, doc, reader.Pub()).Encode())
	assertNotWriter(t, inviterView, reader, "reader")
}

// The golden write invite's admission is genuine: it certifies a device
// under the golden root.
func TestInviteGoldenAdmission(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "invite-write.golden"))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ParseInvite(string(b))
	if err != nil {
		t.Fatalf("ParseInvite(golden): got error %v, want nil", err)
	}
	if inv.Admit == nil {
		t.Fatal("the golden write invite: got no admission, want one")
	}
	if got, want := inv.Root, fixedInviteRoot().Pub(); got != want {
		t.Fatalf("the golden write invite: got root %x, want %x", got, want)
	}
	dev := fixedDeviceKey(0xa0)
	w := NewWriters(inv.Doc, inv.Root)
	mustAdd(t, w, inv.Admit.Certs(inv.Doc, dev.Pub())...)
	assertWriter(t, w, dev, "device admitted by the golden invite")
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
		{"no separators", "PW2" + strings.ReplaceAll(body, "-", "")},
		{"broken across lines", strings.ReplaceAll(code, "-", "\n")},
		{"CRLF and tabs", strings.ReplaceAll(code, "-", "\r\n\t")},
		{"surrounding space", "  \t" + code + " \n"},
		{"trailing full stop", code + "."},
		{"trailing full stop and space", " " + code + ". "},
		{"O for 0", strings.ReplaceAll(code, "0", "O")},
		{"o for 0", strings.ReplaceAll(code, "0", "o")},
		{"I for 1", strings.ReplaceAll(code, "1", "I")},
		{"l for 1", strings.ReplaceAll(code, "1", "l")},
		{"lower-case prefix alone", "pw2-" + body},
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
			if !sameInvite(got, want) {
				t.Fatalf("got %s, want %s", showInvite(got), showInvite(want))
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

// rawBody is a version 2 body with zero doc, key and secret, the given
// relay length field and relay, then tail zero bytes where the root (32)
// and an admission (128 more) belong.
func rawBody(version, flags byte, lenField []byte, relay string, tail int) []byte {
	b := []byte{version, flags}
	b = append(b, make([]byte, 80)...)
	b = append(b, lenField...)
	b = append(b, relay...)
	return append(b, make([]byte, tail)...)
}

func TestParseInviteErrors(t *testing.T) {
	good := fixedInvite(false).String()
	goodRO := fixedInvite(true).String()
	relay := "ws://relay"
	longRelay := "wss://relay.example.org/" + strings.Repeat("p", 40)
	lenOf := func(n int) []byte { return binary.AppendUvarint(nil, uint64(n)) }
	const root, admit = inviteRootLen, inviteRootLen + inviteAdmitLen
	tests := []struct {
		name string
		code string
		want error
	}{
		{"empty", "", ErrInviteFormat},
		{"only space", " \n\t", ErrInviteFormat},
		{"prose", "hello there, here is the link", ErrInviteFormat},
		{"a URL", "https://example.org/invite", ErrInviteFormat},
		{"other prefix", "XY2-" + good[4:], ErrInviteFormat},
		{"emoji before the prefix", "🙂" + good, ErrInviteFormat},
		{"prefix only", "PW2-", ErrInviteFormat},
		{"version 1 prefix only", "PW1-", ErrInviteOld},
		{"version 1 prefix", "PW1-" + good[4:], ErrInviteOld},
		{"version 3 prefix", "PW3-" + good[4:], ErrInviteVersion},
		{"half a read-only code", goodRO[:len(goodRO)/2], ErrInviteFormat},
		{"a third of a write code", good[:len(good)/3], ErrInviteFormat},
		{"last character dropped", good[:len(good)-1], ErrInviteChecksum},
		{"character added", good + "0", ErrInviteChecksum},
		{"U in the code", good[:10] + "U" + good[11:], ErrInviteChecksum},
		{"emoji in the code", good[:10] + "🙂" + good[11:], ErrInviteChecksum},
		{"two codes pasted", good + good, ErrInviteChecksum},
		{"binary version 0", rawInvite(rawBody(0, 0, lenOf(len(relay)), relay, root)), ErrInviteFormat},
		{"binary version 1 behind PW2-", rawInvite(rawBody(1, 0, lenOf(len(relay)), relay, root)), ErrInviteFormat},
		{"binary version 3", rawInvite(rawBody(3, 0, lenOf(len(relay)), relay, root)), ErrInviteVersion},
		{"unknown flag", rawInvite(rawBody(2, 1<<4, lenOf(len(relay)), relay, root)), ErrInviteVersion},
		{"unknown high flag", rawInvite(rawBody(2, 1<<7, lenOf(len(relay)), relay, root)), ErrInviteVersion},
		{"relay length not minimal", rawInvite(rawBody(2, 0, []byte{0x8a, 0x00}, relay, root)), ErrInviteFormat},
		{"relay length too long", rawInvite(rawBody(2, 0, lenOf(len(relay)+1), relay, root)), ErrInviteFormat},
		{"relay length too short", rawInvite(rawBody(2, 0, lenOf(len(relay)-1), relay, root)), ErrInviteFormat},
		{"relay over 512 bytes", Invite{Relay: "wss://h/" + strings.Repeat("a", 505)}.String(), ErrInviteFormat},
		{"relay over 2^63 bytes", rawInvite(rawBody(2, 0, lenOf(-1), "", root)), ErrInviteFormat},
		{"root missing", rawInvite(rawBody(2, 0, lenOf(len(longRelay)), longRelay, 0)), ErrInviteFormat},
		{"root cut short", rawInvite(rawBody(2, 0, lenOf(len(relay)), relay, root-1)), ErrInviteFormat},
		{"admission flag without an admission", rawInvite(rawBody(2, flagAdmit, lenOf(len(relay)), relay, root)), ErrInviteFormat},
		{"admission cut short", rawInvite(rawBody(2, flagAdmit, lenOf(len(relay)), relay, admit-1)), ErrInviteFormat},
		{"admission without its flag", rawInvite(rawBody(2, 0, lenOf(len(relay)), relay, admit)), ErrInviteFormat},
		{"https relay", Invite{Relay: "https://relay.example.org"}.String(), ErrInviteFormat},
		{"relay without host", Invite{Relay: "wss:///path"}.String(), ErrInviteFormat},
		{"opaque relay", Invite{Relay: "ws:relay"}.String(), ErrInviteFormat},
		{"relay with a space", Invite{Relay: "ws://re lay"}.String(), ErrInviteFormat},
		{"relay not UTF-8", Invite{Relay: "ws://h/\xff"}.String(), ErrInviteFormat},
		{"relay not UTF-8, with an admission", Invite{Relay: "ws://h/\xff", Admit: &Admission{}}.String(), ErrInviteFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvite(tt.code)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %#v, %v; want an error wrapping %v", got, err, tt.want)
			}
			if !sameInvite(got, Invite{}) {
				t.Fatalf("got %s alongside the error, want the zero Invite", showInvite(got))
			}
			if msg := err.Error(); strings.Contains(msg, "base32") || strings.Contains(msg, "uvarint") {
				t.Fatalf("got message %q, want a sentence without internals", msg)
			}
		})
	}
}

// Codes from Pairwise 1 get their own sentence (update and ask for a new
// invite), still wrapping ErrInviteVersion; codes from a later Pairwise get
// the plain version error.
func TestParseInviteVersions(t *testing.T) {
	body := fixedInvite(false).String()[4:]
	tests := []struct {
		name string
		code string
		old  bool
	}{
		{"Pairwise 1 write code", v1Codes[0], true},
		{"Pairwise 1 read-only code", v1Codes[1], true},
		{"Pairwise 1 code in lower case", strings.ToLower(v1Codes[0]), true},
		{"PWL read as PW1", "PWL-" + body, true},
		{"PWI read as PW1", "PWI-" + body, true},
		{"PW3", "PW3-" + body, false},
		{"PW9", "PW9-" + body, false},
		{"binary version 3 behind PW2-", rawInvite(rawBody(3, 0, []byte{10}, "ws://relay", inviteRootLen)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvite(tt.code)
			if !errors.Is(err, ErrInviteVersion) {
				t.Fatalf("got error %v, want one wrapping ErrInviteVersion", err)
			}
			if gotOld := errors.Is(err, ErrInviteOld); gotOld != tt.old {
				t.Fatalf("errors.Is(%v, ErrInviteOld): got %v, want %v", err, gotOld, tt.old)
			}
			if !sameInvite(got, Invite{}) {
				t.Fatalf("got %s alongside the error, want the zero Invite", showInvite(got))
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
	inviter := fixedInviteRoot()
	f.Add(Invite{Relay: "ws://h"}.String())
	f.Add(Invite{Relay: "ws://h", Cohort: true, Root: inviter.Pub()}.String())
	f.Add(Invite{Relay: "ws://h", Root: inviter.Pub(), Admit: NewAdmission(inviter, [16]byte{1})}.String())
	f.Add(v1Codes[0])
	f.Add("")
	f.Add("PW2-")
	f.Add("PW9-00000")
	f.Add(rawInvite(rawBody(2, 0, []byte{0x8a, 0x00}, "ws://relay", inviteRootLen)))
	f.Add(rawInvite(rawBody(2, flagAdmit, []byte{10}, "ws://relay", inviteRootLen)))
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := ParseInvite(s)
		if err != nil {
			if !errors.Is(err, ErrInviteFormat) && !errors.Is(err, ErrInviteChecksum) && !errors.Is(err, ErrInviteVersion) {
				t.Fatalf("got error %v, want one wrapping an ErrInvite sentinel", err)
			}
			if !sameInvite(inv, Invite{}) {
				t.Fatalf("got %s alongside the error, want the zero Invite", showInvite(inv))
			}
			return
		}
		again, err := ParseInvite(inv.String())
		if err != nil {
			t.Fatalf("re-encoded %q: got error %v, want nil", inv.String(), err)
		}
		if !sameInvite(again, inv) {
			t.Fatalf("re-encoded: got %s, want %s", showInvite(again), showInvite(inv))
		}
	})
}

func withRead(i Invite) Invite {
	r := NewSecret()
	i.Read = &r
	return i
}

// A read-only invite never carries a second secret: String leaves it out,
// and a code that has one is damaged.
func TestAReadOnlyInviteCarriesOneSecret(t *testing.T) {
	inv := withRead(fixedInvite(true))
	got, err := ParseInvite(inv.String())
	if err != nil || got.Read != nil {
		t.Fatalf("a read-only invite given a second secret: parsed %+v, %v; want it left out", got.Read, err)
	}
	// Built by hand: the flag and the secret after the root.
	b := []byte{inviteVersion, flagReadOnly | flagRead}
	b = append(b, inv.Doc[:]...)
	b = append(b, inv.Key[:]...)
	b = append(b, inv.Secret[:]...)
	b = append(b, 0) // no relay
	b = append(b, inv.Root[:]...)
	b = append(b, inv.Read[:]...)
	if _, err := decodeInvite(b); !errors.Is(err, ErrInviteFormat) {
		t.Fatalf("a read-only code with a second secret: got %v, want it called damaged", err)
	}
}
