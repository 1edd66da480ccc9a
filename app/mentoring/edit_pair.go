package mentoring

import (
	"time"
)

// NewPair creates the whole shape of a pair document with its creator as the
// first member. me.ID must be the actor ID the document writes as.
func NewPair(id, title string, me Member, now time.Time) (Edit, error) {
	title, err := checkTitle("a pair", title)
	if err != nil {
		return Edit{}, err
	}
	if err := checkMember(me); err != nil {
		return Edit{}, err
	}
	now = stamp(now)
	o := ops{
		set(path(kSchema), int64(pairSchema)),
		set(path(kID), id),
		set(path(kTitle), title),
		set(path(kCreated), now),
	}
	for _, k := range []string{kMembers, kAgreement, kGoals, kCheckins, kWins, kMessages, kPrompts, kReflections} {
		o = append(o, newMap(path(k)))
	}
	o = append(o, newList(path(kMessageLog)))
	for _, k := range []string{kChanPurpose, kChanResponse, kSignatures, kTimeZones, kHours} {
		o = append(o, newMap(path(kAgreement, k)))
	}
	for _, k := range agreementTexts {
		o = append(o, newText(path(kAgreement, k), ""))
	}
	o = append(o, addMember(me, now)...)
	return Edit{Msg: "created the pair " + quote(title), ID: id, ops: o}, nil
}

func checkMember(m Member) error {
	if m.ID == "" {
		return invalidf("a member needs an ID")
	}
	if _, err := checkTitle("your name", m.Name); err != nil {
		return invalidf("you need a name the partner will see: give it with --me, for example --me Ana")
	}
	if err := checkRole(m.Role); err != nil {
		return err
	}
	return checkTimeZone(m.TimeZone)
}

func addMember(m Member, now time.Time) ops {
	o := ops{
		newMap(path(kMembers, m.ID)),
		set(path(kMembers, m.ID, kName), m.Name),
		set(path(kMembers, m.ID, kRole), string(m.Role)),
		set(path(kMembers, m.ID, kJoined), now),
	}
	if m.TimeZone != "" {
		o = append(o, set(path(kAgreement, kTimeZones, m.ID), m.TimeZone))
	}
	return o
}

// Join adds me to an existing pair, as the partner does after accepting an
// invite. Joining again from the same replica only updates name and role.
func Join(p *Pair, me Member, now time.Time) (Edit, error) {
	if err := checkMember(me); err != nil {
		return Edit{}, err
	}
	me.Name = trim(me.Name)
	if _, ok := p.Member(me.ID); ok {
		o := ops{set(path(kMembers, me.ID, kName), me.Name), set(path(kMembers, me.ID, kRole), string(me.Role))}
		return Edit{Msg: "updated their membership", ID: me.ID, ops: o}, nil
	}
	return Edit{Msg: "joined as " + string(me.Role), ID: me.ID, ops: addMember(me, stamp(now))}, nil
}

// Rename changes the pair's title.
func Rename(p *Pair, title string) (Edit, error) {
	title, err := checkTitle("a pair", title)
	if err != nil {
		return Edit{}, err
	}
	return Edit{Msg: "renamed the pair to " + quote(title), ops: ops{set(path(kTitle), title)}}, nil
}

// SetTimeZone records the member's IANA time zone, shown to the partner.
func SetTimeZone(p *Pair, member, tz string) (Edit, error) {
	if _, ok := p.Member(member); !ok {
		return Edit{}, invalidf("there is no member %q in this pair", member)
	}
	if err := checkTimeZone(tz); err != nil {
		return Edit{}, err
	}
	return Edit{Msg: "set their time zone to " + tz, ops: ops{set(path(kAgreement, kTimeZones, member), tz)}}, nil
}

// ValidMember checks a name and role before a member is added.
func ValidMember(name string, role Role) error {
	return checkMember(Member{ID: "-", Name: name, Role: role})
}
