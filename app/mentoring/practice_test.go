package mentoring

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseHours(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"09:00-17:30", "09:00-17:30", true},
		{"Mon-Fri 09:00-17:30", "mon,tue,wed,thu,fri 09:00-17:30", true},
		{"sat,sun 10:00-12:00", "sun,sat 10:00-12:00", true},
		{"fri-mon 08:00-09:00", "sun,mon,fri,sat 08:00-09:00", true}, // wraps the weekend
		{"mon-sun 00:00-23:59", "00:00-23:59", true},
		{"17:00-09:00", "", false}, // ends before it starts
		{"9-5", "", false},
		{"weekdays 09:00-17:00", "", false},
		{"mon-fri 09:00-17:00 extra", "", false},
		{"25:00-26:00", "", false},
	}
	for _, c := range cases {
		h, err := ParseHours(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseHours(%q): err %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseHours(%q): error %v is not a sentence for the user", c.in, err)
			}
			continue
		}
		if got := h.String(); got != c.want {
			t.Errorf("ParseHours(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOutsideHours checks the warning in the partner's own time zone,
// across a daylight-saving change and the date line.
func TestOutsideHours(t *testing.T) {
	cases := []struct {
		tz, hours string
		now       time.Time
		outside   bool
	}{
		// 16:30 UTC is 17:30 in Lisbon in summer (WEST, UTC+1): past 17:00.
		{"Europe/Lisbon", "mon-fri 09:00-17:00", time.Date(2026, 7, 15, 16, 30, 0, 0, time.UTC), true},
		// The same UTC time in winter (WET, UTC+0) is 16:30: inside.
		{"Europe/Lisbon", "mon-fri 09:00-17:00", time.Date(2026, 12, 16, 16, 30, 0, 0, time.UTC), false},
		// Friday 23:00 UTC is Saturday 11:00 in Auckland: not a working day.
		{"Pacific/Auckland", "mon-fri 09:00-17:00", time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC), true},
		// Sunday 22:00 UTC is Monday 07:00 in Tokyo: before hours.
		{"Asia/Tokyo", "mon-fri 08:00-18:00", time.Date(2026, 11, 22, 22, 0, 0, 0, time.UTC), true},
		{"Asia/Tokyo", "mon-fri 07:00-18:00", time.Date(2026, 11, 22, 22, 0, 0, 0, time.UTC), false},
		// No zone given: hours are read in UTC.
		{"", "09:00-17:00", time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), false},
		// No hours given: never a warning.
		{"Asia/Tokyo", "", time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		ana := newReplicaPair(t, "Ana", Mentor)
		ben := ana.join("Ben", Mentee)
		if c.tz != "" {
			ben.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ben.me, c.tz) })
		}
		if c.hours != "" {
			ben.do(func(p *Pair) (Edit, error) { return SetHours(p, ben.me, c.hours) })
		}
		sync(t, ana, ben)
		msg, outside := OutsideHours(ana.pair(), ben.me, c.now)
		if outside != c.outside {
			t.Errorf("%s %q at %v: outside=%v (%q), want %v", c.tz, c.hours, c.now, outside, msg, c.outside)
		}
		if outside && !strings.Contains(msg, "Ben") {
			t.Errorf("warning does not name the partner: %q", msg)
		}
	}
}

func TestTrendDirection(t *testing.T) {
	cases := []struct {
		ratings []int
		want    string
	}{
		{nil, "too early to tell"},
		{[]int{3, 4, 5}, "too early to tell"},
		{[]int{2, 2, 3, 4, 5, 5}, "rising"},
		{[]int{5, 5, 4, 3, 2, 3}, "falling"},
		{[]int{4, 4, 5, 4, 4, 5}, "steady"},
		{[]int{3, 4, 5, 5}, "rising"}, // 4.67 vs 3 over what there is
	}
	for _, c := range cases {
		if got := (Trend{Ratings: c.ratings}).Direction(); got != c.want {
			t.Errorf("%v: got %q, want %q", c.ratings, got, c.want)
		}
	}
}

// TestTrendsFollowCheckinDates: both members see each other's ratings in
// the order the check-ins happened, whoever logged them when.
func TestTrendsFollowCheckinDates(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	late := ana.do(func(p *Pair) (Edit, error) { return AddCheckin(p, ana.me, CheckinInput{Date: "2026-11-20"}, t0) })
	early := ana.do(func(p *Pair) (Edit, error) { return AddCheckin(p, ana.me, CheckinInput{Date: "2026-11-06"}, t0) })
	sync(t, ana, ben)
	ben.do(func(p *Pair) (Edit, error) { return Rate(p, late, ben.me, 5, "", t0) })
	ben.do(func(p *Pair) (Edit, error) { return Rate(p, early, ben.me, 3, "", t0) })
	sync(t, ana, ben)
	for _, tr := range Trends(ana.pair()) {
		if tr.Member == ben.me && !slices.Equal(tr.Ratings, []int{3, 5}) {
			t.Errorf("Ben's trend: %v, want [3 5]", tr.Ratings)
		}
	}
}

func TestSuggestedDepthGrowsWithTheRelationship(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	start := ana.pair().Created
	if d := SuggestedDepth(ana.pair(), start.AddDate(0, 0, 60)); d != GettingToKnow {
		t.Errorf("two months without check-ins: %v, want the first depth", d)
	}
	for i := 0; i < 5; i++ {
		ana.do(func(p *Pair) (Edit, error) {
			return AddCheckin(p, ana.me, CheckinInput{Date: start.AddDate(0, 0, 14*i).Format(DateLayout)}, t0)
		})
	}
	p := ana.pair()
	if d := SuggestedDepth(p, start.AddDate(0, 0, 40)); d != Values {
		t.Errorf("six weeks and five check-ins: %v, want values", d)
	}
	if d := SuggestedDepth(p, start.AddDate(0, 0, 100)); d != Aspirations {
		t.Errorf("fourteen weeks and five check-ins: %v, want aspirations", d)
	}
	// Answering most of a depth together opens the next one early.
	fresh := newReplicaPair(t, "Ana", Mentor)
	partner := fresh.join("Ben", Mentee)
	for _, id := range []string{"know-path", "know-week", "know-place"} {
		fresh.do(func(p *Pair) (Edit, error) { return AnswerPrompt(p, fresh.me, id, "mine", t0) })
		partner.do(func(p *Pair) (Edit, error) { return AnswerPrompt(p, partner.me, id, "theirs", t0) })
	}
	sync(t, fresh, partner)
	fp := fresh.pair()
	if d := SuggestedDepth(fp, fp.Created.Add(time.Hour)); d != Values {
		t.Errorf("three prompts answered by both on day one: %v, want values", d)
	}
	if next, ok := NextPrompt(fp, fp.Created.Add(time.Hour)); !ok || next.Depth != Values {
		t.Errorf("next prompt: %+v, want one about values", next)
	}
	_ = ben
	if _, err := fresh.try(func(p *Pair) (Edit, error) { return AnswerPrompt(p, fresh.me, "made-up", "x", t0) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown prompt was accepted: %v", err)
	}
}

func TestNudges(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ana.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{CadenceDays: ptrTo(14), Start: ptrTo("2026-11-01")})
	})
	p := ana.pair()
	day := func(d string) time.Time { x, _ := time.Parse(DateLayout, d); return x.Add(10 * time.Hour) }
	cases := []struct {
		today string
		nudge bool
		title string
	}{
		{"2026-11-05", false, ""},
		{"2026-11-12", true, "check-in in 3 days"},
		{"2026-11-14", true, "check-in tomorrow"},
		{"2026-11-15", true, "due today"},
		{"2026-11-20", true, "overdue by 5 days"},
		{"2026-12-01", true, "no contact since 2026-11-01"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		n, ok := NudgeFor(p, day(c.today))
		if ok != c.nudge || !strings.Contains(n.Title, c.title) {
			t.Errorf("%s: nudge %v %q, want %v %q", c.today, ok, n.Title, c.nudge, c.title)
		}
		if ok {
			if seen[n.Key] && !strings.Contains(c.title, "tomorrow") {
				t.Errorf("%s: key %q repeats an earlier occasion", c.today, n.Key)
			}
			seen[n.Key] = true
		}
	}
	// The same overdue week is one occasion; the next week is another.
	a, _ := NudgeFor(p, day("2026-11-16"))
	b, _ := NudgeFor(p, day("2026-11-17"))
	c, _ := NudgeFor(p, day("2026-11-23"))
	if a.Key != b.Key || b.Key == c.Key {
		t.Errorf("overdue keys: %q %q %q; want the first two equal and the third new", a.Key, b.Key, c.Key)
	}
}

func TestClosureKeepsTheRecordAndLetsThePartnerReflect(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ci := ana.do(func(p *Pair) (Edit, error) { return AddCheckin(p, ana.me, CheckinInput{Date: "2026-11-02"}, t0) })
	sync(t, ana, ben)
	if _, err := ana.try(func(p *Pair) (Edit, error) { return Close(p, ana.me, t0) }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("closed without a closing reflection: %v", err)
	}
	if _, err := ana.try(func(p *Pair) (Edit, error) {
		return Reflect(p, ana.me, Closing, map[string]string{"learned": "  "}, 0, t0)
	}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an empty reflection was accepted: %v", err)
	}
	if _, err := ana.try(func(p *Pair) (Edit, error) {
		return Reflect(p, ana.me, Closing, map[string]string{"nonsense": "x"}, 0, t0)
	}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown question was accepted: %v", err)
	}
	ana.do(func(p *Pair) (Edit, error) {
		return Reflect(p, ana.me, Closing, map[string]string{"learned": "To ask before advising", "thanks": "Thank you, Ben"}, 5, t0)
	})
	ana.do(func(p *Pair) (Edit, error) { return Close(p, ana.me, t0) })
	sync(t, ana, ben)
	p := ben.pair()
	if !p.IsClosed() || p.Closed.By != ana.me {
		t.Fatalf("Ben does not see the closure: %+v", p.Closed)
	}
	// What a closed pair still takes: the partner's reflection and feedback.
	for name, build := range map[string]func(p *Pair) (Edit, error){
		"reflection": func(p *Pair) (Edit, error) {
			return Reflect(p, ben.me, Closing, map[string]string{"next": "Keep a weekly review"}, 4, t0)
		},
		"rating": func(p *Pair) (Edit, error) { return Rate(p, ci, ben.me, 5, "", t0) },
	} {
		e, err := build(ben.pair())
		if err != nil || !e.AfterClose {
			t.Errorf("%s after closing: err %v, allowed %v", name, err, e.AfterClose)
		}
	}
	// And what it does not.
	if e, _ := AddGoal(p, ben.me, GoalInput{Title: ptrTo("late goal")}, t0); e.AfterClose {
		t.Error("a new goal is allowed on a closed pair")
	}
	r, ok := p.ReflectionOf(Closing, ana.me)
	if !ok || r.Rating != 5 || r.Answers["thanks"] != "Thank you, Ben" {
		t.Errorf("Ana's reflection as Ben reads it: %+v", r)
	}
}

func ptrTo[T any](v T) *T { return &v }
