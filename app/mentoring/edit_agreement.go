package mentoring

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// AgreementInput changes agreement fields; nil fields are left alone.
// Channels maps a channel kind to its new settings; a nil *Channel removes it.
type AgreementInput struct {
	CadenceDays     *int
	Availability    *string
	Boundaries      *string
	Confidentiality *string
	Expectations    *string
	Start           *string
	End             *string
	Review          *string
	Channels        map[string]*Channel
}

// SetAgreement applies the changes in in. The free-text fields are spliced,
// so both members can co-edit them.
func SetAgreement(p *Pair, in AgreementInput) (Edit, error) {
	a := p.Agreement
	var o ops
	var changed []string
	if in.CadenceDays != nil {
		if err := checkCadence(*in.CadenceDays); err != nil {
			return Edit{}, err
		}
		o = append(o, set(path(kAgreement, kCadence), int64(*in.CadenceDays)))
		changed = append(changed, "the cadence")
	}
	texts := []struct {
		key, what string
		v         *string
	}{
		{kAvailability, "availability", in.Availability},
		{kBoundaries, "boundaries", in.Boundaries},
		{kConfidentiality, "confidentiality", in.Confidentiality},
		{kExpectations, "expectations", in.Expectations},
	}
	for _, t := range texts {
		if t.v == nil {
			continue
		}
		if err := checkText(t.what, *t.v); err != nil {
			return Edit{}, err
		}
		o = append(o, editText(path(kAgreement, t.key), *t.v))
		changed = append(changed, t.what)
	}
	start, end, review := orElse(in.Start, a.Start), orElse(in.End, a.End), orElse(in.Review, a.Review)
	dates := []struct {
		key, what string
		v         *string
	}{{kStart, "start date", in.Start}, {kEnd, "end date", in.End}, {kReview, "review date", in.Review}}
	for _, d := range dates {
		if d.v == nil {
			continue
		}
		if err := checkDate("the "+d.what, *d.v); err != nil {
			return Edit{}, err
		}
		o = append(o, set(path(kAgreement, d.key), *d.v))
		changed = append(changed, "the "+d.what)
	}
	if start != "" && end != "" && end < start {
		return Edit{}, invalidf("the relationship would end (%s) before it starts (%s): pick an end date after the start", end, start)
	}
	if start != "" && review != "" && review < start {
		return Edit{}, invalidf("the review date %s is before the start %s: pick a date after the start", review, start)
	}
	for _, kind := range Channels {
		c, ok := in.Channels[kind]
		if !ok {
			continue
		}
		if c == nil {
			o = append(o, del(path(kAgreement, kChanPurpose, kind)), del(path(kAgreement, kChanResponse, kind)))
		} else {
			if c.ResponseHours < 0 || c.ResponseHours > 24*30 {
				return Edit{}, invalidf("a response time of %d hours for %s does not work: use 0 to 720 hours", c.ResponseHours, kind)
			}
			if err := checkText("the purpose of "+kind, c.Purpose); err != nil {
				return Edit{}, err
			}
			o = append(o, set(path(kAgreement, kChanPurpose, kind), trim(c.Purpose)), set(path(kAgreement, kChanResponse, kind), int64(c.ResponseHours)))
		}
		changed = append(changed, kind)
	}
	for kind := range in.Channels {
		if err := checkChannel(kind); err != nil {
			return Edit{}, err
		}
	}
	if len(o) == 0 {
		return Edit{}, invalidf("nothing to change in the agreement: say which field to set, for example --cadence-days 14")
	}
	return Edit{Msg: "changed the agreement: " + strings.Join(changed, ", "), ops: o}, nil
}

func orElse(p *string, def string) string {
	if p != nil {
		return *p
	}
	return def
}

// Version is a short fingerprint of the agreement's content (everything but
// the signatures). A signature records the version it agreed to, so any
// later change shows as "changed since you signed".
func (a Agreement) Version() string {
	a.Signatures = nil
	b, _ := json.Marshal(a) // struct of plain fields: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// SignState says where a member stands with the current agreement.
type SignState int

// Signature states.
const (
	Unsigned SignState = iota
	SignedEarlier
	Signed
)

func (s SignState) String() string {
	switch s {
	case Signed:
		return "signed"
	case SignedEarlier:
		return "signed an earlier version"
	}
	return "not signed"
}

// SignState reports whether member signed this version, an earlier one, or
// none.
func (a Agreement) SignState(member string) SignState {
	for _, s := range a.Signatures {
		if s.Member == member {
			if s.Version == a.Version() {
				return Signed
			}
			return SignedEarlier
		}
	}
	return Unsigned
}

// SignMsg is the message of the change that signs the agreement: the
// version history finds the version a member signed by it.
const SignMsg = "signed the agreement"

// Sign records member's agreement to the current version.
func Sign(p *Pair, member string, now time.Time) (Edit, error) {
	m, ok := p.Member(member)
	if !ok {
		return Edit{}, invalidf("only a member of the pair can sign its agreement")
	}
	if p.Agreement.CadenceDays == 0 {
		return Edit{}, invalidf("agree how often you will meet before signing: set the cadence in days first")
	}
	sp := path(kAgreement, kSignatures, member)
	o := ops{newMap(sp), set(append(sp, kName), m.Name), set(append(sp, kVersion), p.Agreement.Version()), set(append(sp, kAt), stamp(now))}
	return Edit{Msg: SignMsg, ops: o}, nil
}
