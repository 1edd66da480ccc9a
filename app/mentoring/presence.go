package mentoring

import (
	"fmt"
	"time"
)

// Presence. A relay can stop forwarding a pair's new changes to one member
// while both apps go on saying "synced". What it cannot do is make up a
// change: every change is sealed with the pair's key and signed by the
// device that wrote it. So each member's app says when it was last around,
// inside the pair document: the later of its latest change and a presence
// time it writes into its own member entry (members/ID/seen) when it syncs
// and has written nothing for PresenceEvery. The partner's app reads that
// as "Ben's app last synced 3 days ago"; a member who sees that while the
// partner has been busy knows the relay is holding changes back. The time
// is the writing app's own clock, never the relay's.

// kSeen is a member's presence time, under their own member entry, which
// only they write.
const kSeen = "seen"

// PresenceMsg is the commit message of a presence change. The activity
// feed leaves such changes out: they say nothing the pair did.
const PresenceMsg = "synced this pair"

// PresenceEvery is how long after its latest change an app writes its
// presence again: at most about once a day, so the pair's history does not
// grow with it, and "last synced" is at most that stale.
const PresenceEvery = 20 * time.Hour

// QuietAfter is how long a partner's app may be unheard from before the app
// says what that may mean: an app in daily use is heard from at least
// every PresenceEvery.
const QuietAfter = 48 * time.Hour

// ReadOnlySeen is what is known of when a read-only member's app last
// synced: it cannot write, so it cannot say.
const ReadOnlySeen = "last seen: unknown (read-only)"

// IsPresence reports whether a change with this commit message is a
// presence change.
func IsPresence(msg string) bool { return msg == PresenceMsg }

// PresenceDue reports whether member me should write its presence now,
// given the time of its latest change in the pair (zero if unknown). A
// closed pair is an archive: nobody's presence matters there.
func PresenceDue(p *Pair, me string, lastChange, now time.Time) bool {
	m, ok := p.Member(me)
	if !ok || p.IsClosed() {
		return false
	}
	return now.Sub(later(m.Seen, lastChange)) >= PresenceEvery
}

// Presence records that member me's app synced the pair at now.
func Presence(p *Pair, me string, now time.Time) (Edit, error) {
	if _, ok := p.Member(me); !ok {
		return Edit{}, invalidf("there is no member %q in this pair", me)
	}
	return Edit{Msg: PresenceMsg, ops: ops{set(path(kMembers, me, kSeen), stamp(now))}}, nil
}

// LastHeard returns, by member ID, when each member's app was last heard
// from: the later of its presence time and its latest change (changed, by
// actor ID, which is the member ID; crdt.Doc.LastChanges gives it). A
// member heard from in neither way is left out.
func LastHeard(p *Pair, changed map[string]time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(p.Members))
	for _, m := range p.Members {
		if at := later(m.Seen, changed[m.ID]); !at.IsZero() {
			out[m.ID] = at.UTC()
		}
	}
	return out
}

// HeardLine says when a member's app was last heard from, as of now:
// "Ben's app last synced 3 days ago". Past QuietAfter it says what that
// may mean and what to do.
func HeardLine(name string, at, now time.Time) string {
	if at.IsZero() {
		return name + "'s app: last seen unknown"
	}
	d := now.Sub(at)
	line := name + "'s app last synced "
	switch {
	case d < time.Hour:
		line += "within the last hour"
	case d < 24*time.Hour:
		line += plural(int(d.Hours()), "hour") + " ago"
	default:
		line += plural(int(d.Hours()/24), "day") + " ago"
	}
	if d >= QuietAfter {
		line += fmt.Sprintf(". If %s has used Pairwise since, the relay may be holding back their changes: ask the relay's admin", name)
	}
	return line
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
