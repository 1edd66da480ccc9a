package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Invite is what one member of a pair hands the other so they can join:
// which relay, which document, its key, and one capability secret (the read
// secret for a read-only invite, otherwise the write secret). A cohort
// invite (Cohort set) carries the programme document's ID, the cohort key
// and the member secret instead (see BoardID).
//
// Root is the document's root of write authority (see Writers): the joiner
// learns it from the code, never from the relay. A write invite also
// carries an admission: a one-time key and the certificate by which a
// writer made it a door, so the joiner's device can certify itself.
type Invite struct {
	Relay    string // ws:// or wss:// URL of the relay; "" for a pair that syncs by file
	Doc      [16]byte
	Key      Key
	Secret   Secret
	ReadOnly bool
	Cohort   bool
	Root     DevicePub
	Admit    *Admission
	// Read is a write invite's read-only secret, so that whoever joins
	// with it can make read-only invites too. Codes from before it have
	// none.
	Read *Secret
}

// Admission is the part of a write invite that lets its holder become a
// writer: the admission key's seed, and the issuer and signature of the
// certificate that made it one.
type Admission struct {
	Seed   [32]byte
	Issuer DevicePub
	Sig    [SigSize]byte
}

// NewAdmission makes a fresh admission key for doc, certified by issuer,
// a writer of doc.
func NewAdmission(issuer DeviceKey, doc [16]byte) *Admission {
	a := &Admission{Issuer: issuer.Pub()}
	fillRandom(a.Seed[:])
	c := issuer.Issue(CertAdmission, doc, DeviceKeyFromSeed(a.Seed[:]).Pub())
	copy(a.Sig[:], c.Sig)
	return a
}

// Certs returns the two certificates that make dev a writer of doc through
// this admission: the admission's own, and dev's, signed by it.
func (a *Admission) Certs(doc [16]byte, dev DevicePub) [][]byte {
	k := DeviceKeyFromSeed(a.Seed[:])
	adm := Cert{Kind: CertAdmission, Doc: doc, Subject: k.Pub(), Issuer: a.Issuer, Sig: a.Sig[:]}
	return [][]byte{adm.Encode(), k.Issue(CertWriter, doc, dev).Encode()}
}

// Errors from ParseInvite. The returned error may carry a more specific
// sentence; test for these with errors.Is.
var (
	// ErrInviteFormat: the text is not an invite code, or not a whole one.
	ErrInviteFormat = errors.New("this is not a Pairwise invite code: it should start with PW2-. Ask your partner to copy it again")
	// ErrInviteChecksum: the text looks like an invite code but has a typo.
	ErrInviteChecksum = errors.New("the invite code has a typo: its checksum does not match. Check each character or ask your partner to send it again")
	// ErrInviteVersion: the code was made by a newer Pairwise.
	ErrInviteVersion = errors.New("this invite code was made by a newer version of Pairwise: update Pairwise, then paste the code again")
)

// Binary layout of version 2, before the text encoding:
//
//	version(1) flags(1) doc(16) key(32) secret(32) uvarint(len relay) relay
//	root(32) [seed(32) issuer(32) sig(64) if flagAdmit] [read secret(32) if flagRead]
//	checksum(4)
//
// The checksum is the first four bytes of SHA-256 over everything before it.
const (
	invitePrefix    = "PW2-"
	inviteVersion   = 2
	flagReadOnly    = 1 << 0
	flagCohort      = 1 << 1
	flagAdmit       = 1 << 2
	flagRead        = 1 << 3 // carries the read-only secret
	inviteFixedLen  = 1 + 1 + 16 + 32 + 32
	inviteRootLen   = 32
	inviteAdmitLen  = 32 + 32 + SigSize
	inviteReadLen   = 32
	inviteSumLen    = 4
	inviteMinLen    = inviteFixedLen + 1 + inviteRootLen + inviteSumLen
	maxRelayLen     = 512
	inviteGroupSize = 5
)

// String returns the invite code: "PW2-" and the Crockford base32 of the
// binary layout, in dash-separated groups of five characters. String does
// not check Relay; ParseInvite refuses a code whose relay is not a ws:// or
// wss:// URL of at most 512 bytes.
func (i Invite) String() string {
	b := make([]byte, 0, inviteFixedLen+binary.MaxVarintLen64+len(i.Relay)+inviteSumLen)
	b = append(b, inviteVersion)
	var flags byte
	if i.ReadOnly {
		flags |= flagReadOnly
	}
	if i.Cohort {
		flags |= flagCohort
	}
	if i.Admit != nil {
		flags |= flagAdmit
	}
	if i.Read != nil && !i.ReadOnly {
		flags |= flagRead
	}
	b = append(b, flags)
	b = append(b, i.Doc[:]...)
	b = append(b, i.Key[:]...)
	b = append(b, i.Secret[:]...)
	b = binary.AppendUvarint(b, uint64(len(i.Relay)))
	b = append(b, i.Relay...)
	b = append(b, i.Root[:]...)
	if a := i.Admit; a != nil {
		b = append(b, a.Seed[:]...)
		b = append(b, a.Issuer[:]...)
		b = append(b, a.Sig[:]...)
	}
	if flags&flagRead != 0 {
		b = append(b, i.Read[:]...)
	}
	sum := sha256.Sum256(b)
	b = append(b, sum[:inviteSumLen]...)

	enc := encodeBase32(b)
	var s strings.Builder
	s.Grow(len(invitePrefix) + len(enc) + len(enc)/inviteGroupSize)
	s.WriteString(invitePrefix)
	for len(enc) > 0 {
		n := min(inviteGroupSize, len(enc))
		s.Write(enc[:n])
		enc = enc[n:]
		if len(enc) > 0 {
			s.WriteByte('-')
		}
	}
	return s.String()
}

// ParseInvite reads an invite code as people paste it or read it aloud: in
// any case, with spaces, dashes, tabs or line breaks anywhere, O typed for
// 0 and I or L for 1, and with surrounding space and a trailing full stop.
// Errors wrap ErrInviteFormat, ErrInviteChecksum or ErrInviteVersion.
func ParseInvite(s string) (Invite, error) {
	clean, err := normalizeInvite(s)
	if err != nil {
		return Invite{}, err
	}
	if len(clean) < 3 || clean[0] != 'P' || clean[1] != 'W' {
		return Invite{}, ErrInviteFormat
	}
	switch v := clean[2]; {
	case v == '2':
	case v == '1':
		return Invite{}, ErrInviteOld
	case v >= '3' && v <= '9':
		return Invite{}, ErrInviteVersion
	default:
		return Invite{}, ErrInviteFormat
	}

	if len(clean[3:])*5/8 < inviteMinLen {
		return Invite{}, &sentenceError{
			msg:  "this invite code is too short: part of it is missing. Ask your partner to copy the whole code again",
			kind: ErrInviteFormat,
		}
	}
	raw, err := decodeBase32(clean[3:])
	var bad base32CharError
	switch {
	case errors.As(err, &bad):
		// Only letters outside the alphabet (U, or punctuation) get here.
		return Invite{}, typo(fmt.Sprintf("the invite code has a typo: %q cannot appear in it. Check each character or ask your partner to send it again", clean[3+bad.Index]))
	case errors.Is(err, errBase32Length):
		return Invite{}, typo("the invite code has a typo: a character is missing or one too many. Check it against the original or ask your partner to send it again")
	case err != nil:
		return Invite{}, ErrInviteChecksum
	}
	body, sum := raw[:len(raw)-inviteSumLen], raw[len(raw)-inviteSumLen:]
	want := sha256.Sum256(body)
	if !bytes.Equal(sum, want[:inviteSumLen]) {
		return Invite{}, ErrInviteChecksum
	}
	return decodeInvite(body)
}

// decodeInvite reads the binary layout after its checksum has been checked,
// so anything wrong here was made that way, not mistyped.
func decodeInvite(b []byte) (Invite, error) {
	switch {
	case b[0] > inviteVersion:
		return Invite{}, ErrInviteVersion
	case b[0] < inviteVersion:
		return Invite{}, damaged("an unknown version")
	case b[1]&^(flagReadOnly|flagCohort|flagAdmit|flagRead) != 0:
		// Flags this version does not know come from a newer Pairwise.
		return Invite{}, ErrInviteVersion
	}
	var inv Invite
	inv.ReadOnly = b[1]&flagReadOnly != 0
	inv.Cohort = b[1]&flagCohort != 0
	copy(inv.Doc[:], b[2:18])
	copy(inv.Key[:], b[18:50])
	copy(inv.Secret[:], b[50:82])

	rest := b[inviteFixedLen:]
	n, k := binary.Uvarint(rest)
	switch {
	case k <= 0 || k != len(binary.AppendUvarint(nil, n)):
		return Invite{}, damaged("a malformed relay length")
	case n > maxRelayLen:
		return Invite{}, damaged("a relay address over 512 bytes")
	}
	tail := inviteRootLen
	if b[1]&flagAdmit != 0 {
		tail += inviteAdmitLen
	}
	if b[1]&flagRead != 0 {
		tail += inviteReadLen
	}
	if n != uint64(len(rest)-k-tail) {
		return Invite{}, damaged("a relay length that does not match")
	}
	inv.Relay = string(rest[k : k+int(n)])
	rest = rest[k+int(n):]
	copy(inv.Root[:], rest[:inviteRootLen])
	rest = rest[inviteRootLen:]
	if b[1]&flagAdmit != 0 {
		a := &Admission{}
		copy(a.Seed[:], rest[:32])
		copy(a.Issuer[:], rest[32:64])
		copy(a.Sig[:], rest[64:inviteAdmitLen])
		rest = rest[inviteAdmitLen:]
		if inv.ReadOnly {
			return Invite{}, damaged("a way to become a writer in a read-only invite")
		}
		adm := Cert{Kind: CertAdmission, Doc: inv.Doc, Subject: DeviceKeyFromSeed(a.Seed[:]).Pub(), Issuer: a.Issuer, Sig: a.Sig[:]}
		if _, err := ParseCert(adm.Encode()); err != nil {
			return Invite{}, damaged("an admission its writer did not sign")
		}
		inv.Admit = a
	}
	if b[1]&flagRead != 0 {
		if inv.ReadOnly {
			return Invite{}, damaged("a second secret in a read-only invite")
		}
		inv.Read = new(Secret)
		copy(inv.Read[:], rest[:inviteReadLen])
	}
	// An invite for a pair that syncs by file names no relay (length 0).
	if inv.Relay != "" && !validRelay(inv.Relay) {
		return Invite{}, &sentenceError{
			msg: fmt.Sprintf("this invite code names the relay %q, which is not a ws:// or wss:// address. "+
				"Ask your partner to check the relay in their settings and send a new invite", inv.Relay),
			kind: ErrInviteFormat,
		}
	}
	return inv, nil
}

// validRelay reports whether s is a ws:// or wss:// URL with a host.
func validRelay(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "ws" || u.Scheme == "wss") && u.Host != ""
}

// normalizeInvite strips what people add around and inside a code and
// returns upper-case ASCII, with the look-alikes O, I and L turned into the
// digits they stand for.
func normalizeInvite(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '-', unicode.Is(unicode.Pd, r), r == '\u2212':
			// Separators, including the en and em dashes and minus signs
			// that word processors and chat apps put in place of '-'.
			continue
		case r >= utf8.RuneSelf:
			if len(out) < 3 {
				return nil, ErrInviteFormat
			}
			return nil, typo(fmt.Sprintf("the invite code has a typo: %q cannot appear in it. Check each character or ask your partner to send it again", r))
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// ErrInviteOld is returned for a code made by Pairwise 1, whose invites do
// not say who may write; it wraps ErrInviteVersion.
var ErrInviteOld error = &sentenceError{
	msg:  "this invite code was made by an older version of Pairwise, which the relay no longer accepts: ask your partner to update Pairwise and send a new invite",
	kind: ErrInviteVersion,
}

func typo(msg string) error { return &sentenceError{msg: msg, kind: ErrInviteChecksum} }

func damaged(what string) error {
	return &sentenceError{
		msg:  "this invite code is damaged: it has " + what + ". Ask your partner to create a new invite",
		kind: ErrInviteFormat,
	}
}
