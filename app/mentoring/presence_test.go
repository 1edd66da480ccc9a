package mentoring

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// A member's app writes its presence only when it has been silent for
// PresenceEvery; both members' presences merge, each in its own entry; the
// later of presence and latest change is when the app was last heard from.
func TestPresenceIsDueOncePerSilence(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	lastChange := t0.Add(time.Hour)

	if PresenceDue(ben.pair(), ben.me, lastChange, lastChange.Add(PresenceEvery-time.Minute)) {
		t.Fatal("presence due before PresenceEvery has passed since the last change")
	}
	later := lastChange.Add(PresenceEvery)
	if !PresenceDue(ben.pair(), ben.me, lastChange, later) {
		t.Fatal("presence not due once PresenceEvery has passed since the last change")
	}
	if PresenceDue(ben.pair(), "stranger", time.Time{}, later) {
		t.Fatal("presence due for someone who is not a member")
	}
	ben.do(func(p *Pair) (Edit, error) { return Presence(p, ben.me, later) })
	anaLater := t0.Add(30 * time.Hour)
	ana.do(func(p *Pair) (Edit, error) { return Presence(p, ana.me, anaLater) })
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	if got := memberSeen(p, ben.me); !got.Equal(later) {
		t.Fatalf("Ben's presence after the merge: %v, want %v", got, later)
	}
	if got := memberSeen(p, ana.me); !got.Equal(anaLater) {
		t.Fatalf("Ana's presence after the merge: %v, want %v", got, anaLater)
	}
	if PresenceDue(p, ben.me, lastChange, later.Add(PresenceEvery-time.Minute)) {
		t.Fatal("presence due again within PresenceEvery of the last one")
	}

	// Heard from: the later of presence and latest change.
	newer := later.Add(2 * time.Hour)
	heard := LastHeard(p, map[string]time.Time{ben.me: newer, ana.me: t0})
	if !heard[ben.me].Equal(newer) || !heard[ana.me].Equal(anaLater) {
		t.Fatalf("heard %v, want Ben at his change %v and Ana at her presence %v", heard, newer, anaLater)
	}

	// A closed pair is an archive: no one's presence is due there.
	closed := *p
	closed.Closed = &Closure{By: ana.me, At: anaLater}
	if PresenceDue(&closed, ana.me, time.Time{}, anaLater.Add(10*PresenceEvery)) {
		t.Fatal("presence due in a closed pair")
	}
}

func memberSeen(p *Pair, id string) time.Time {
	m, _ := p.Member(id)
	return m.Seen
}

func TestHeardLine(t *testing.T) {
	now := t0
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Time{}, "Ben's app: last seen unknown"},
		{now.Add(-10 * time.Minute), "Ben's app last synced within the last hour"},
		{now.Add(time.Minute), "Ben's app last synced within the last hour"}, // a clock a little ahead
		{now.Add(-time.Hour), "Ben's app last synced 1 hour ago"},
		{now.Add(-23 * time.Hour), "Ben's app last synced 23 hours ago"},
		{now.Add(-30 * time.Hour), "Ben's app last synced 1 day ago"},
		{now.Add(-72 * time.Hour), "Ben's app last synced 3 days ago. If Ben has used Pairwise since, the relay may be holding back their changes: ask the relay's admin"},
	}
	for _, tt := range tests {
		if got := HeardLine("Ben", tt.at, now); got != tt.want {
			t.Errorf("heard at %v: got %q, want %q", tt.at, got, tt.want)
		}
	}
}

// The cohort's report says, per member, the day their app was last heard
// from, and the health CSV shows it with the quietest app's days, so a
// manager sees a pair whose apps have gone quiet.
func TestHealthReportSaysWhenAppsWereLastHeardFrom(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ben.do(func(p *Pair) (Edit, error) { return Presence(p, ben.me, t0.Add(24*time.Hour)) })
	sync(t, ana, ben)
	p := ana.pair()
	r := HealthHeard(p, map[string]time.Time{ana.me: t0.Add(10 * 24 * time.Hour), ben.me: t0})
	// (Both joined at t0: the members' order is by ID, so random here.)
	days := map[string]string{}
	for _, h := range r.Heard {
		days[h.Name] = h.Day
	}
	if len(r.Heard) != 2 || days["Ana"] != "2026-11-11" || days["Ben"] != "2026-11-02" {
		t.Fatalf("heard %+v, want Ana on 2026-11-11 and Ben on 2026-11-02", r.Heard)
	}
	plain := HealthOf(p)
	plain.Heard = r.Heard
	if !SameFacts(plain, r) {
		t.Fatalf("HealthHeard changed more than Heard: %+v, HealthOf says %+v", r, HealthOf(p))
	}
	today := time.Date(2026, 11, 12, 15, 0, 0, 0, time.UTC)
	if got := r.HeardText(today); got != "Ana yesterday, Ben 10 days ago" && got != "Ben 10 days ago, Ana yesterday" {
		t.Fatalf("heard text %q", got)
	}
	if who, days, ok := r.Quietest(today); !ok || who.Name != "Ben" || days != 10 {
		t.Fatalf("quietest: %+v, %d days, %v; want Ben, 10 days", who, days, ok)
	}
	// A report from before presence says nothing of it.
	if _, _, ok := HealthOf(p).Quietest(today); ok {
		t.Fatal("a report without heard days names a quietest app")
	}

	var out strings.Builder
	if err := ExportHealthCSV(&out, &Board{Reports: []Report{r, HealthOf(p)}}, today); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	n := len(HealthColumns)
	if len(rows) != 3 || rows[0][n-2] != "apps last heard" || rows[0][n-1] != "quietest app (days)" {
		t.Fatalf("header %q", rows[0])
	}
	if rows[1][n-2] != r.HeardText(today) || rows[1][n-1] != "10" {
		t.Fatalf("row %q", rows[1])
	}
	if rows[2][n-2] != "" || rows[2][n-1] != "" {
		t.Fatalf("a report from before presence: row %q, want the two columns empty", rows[2])
	}
}
