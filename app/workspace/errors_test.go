package workspace

import (
	"errors"
	"regexp"
	"testing"

	"pairwise/app/mentoring"
)

// commandWord matches a CLI command in a message: the core names none,
// since the window cannot run them.
var commandWord = regexp.MustCompile(`pairwise [a-z]+`)

// The core's errors say what is wrong and carry the facts, and never tell
// the person to type a command.
func TestErrorsCarryTheFacts(t *testing.T) {
	w := openTemp(t)
	pair, _ := w.NewPair("P", "Ana", mentoring.Mentor)
	cohort, _ := w.NewCohort("Spring", "Dana", "", "")
	_, noRelay := w.CohortInvite(cohort, false)
	if err := w.UpdateSettings(func(s *Settings) { s.Relay = "wss://relay.example.org" }); err != nil {
		t.Fatal(err)
	}
	pairCode, _ := w.Invite(pair, false)
	cohortCode, _ := w.CohortInvite(cohort, false)
	_, joinPair := w.JoinCohort(pairCode)
	_, joinCohort := w.Join(cohortCode, "Ben", mentoring.Mentee)
	_, unknownPair := w.Pair("nope")
	_, unknownCohort := w.Programme("nope")
	_, cohortAsPair := w.Pair(cohort)
	_, pairAsCohort := w.Programme(pair)

	ids := []struct {
		name     string
		err      error
		sentinel error
		id, is   string
	}{
		{"unknown pair", unknownPair, ErrUnknownPair, "nope", ""},
		{"unknown cohort", unknownCohort, ErrUnknownCohort, "nope", ""},
		{"cohort as pair", cohortAsPair, ErrUnknownPair, cohort, ThingCohort},
		{"pair as cohort", pairAsCohort, ErrUnknownCohort, pair, ThingPair},
	}
	for _, c := range ids {
		t.Run(c.name, func(t *testing.T) {
			var e *IDError
			if !errors.Is(c.err, c.sentinel) || !errors.As(c.err, &e) {
				t.Fatalf("got %v, want an IDError wrapping %v", c.err, c.sentinel)
			}
			if e.ID != c.id || e.Is != c.is || e.WrongKind() != (c.is != "") {
				t.Errorf("got ID %q, Is %q; want %q, %q", e.ID, e.Is, c.id, c.is)
			}
		})
	}
	for _, c := range []struct {
		name      string
		err, want error
	}{
		{"no relay for an invite", noRelay, ErrNoRelayForInvite},
		{"pair invite to join a cohort", joinPair, ErrPairInvite},
		{"cohort invite to join a pair", joinCohort, ErrCohortInvite},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
	for _, err := range []error{noRelay, joinPair, joinCohort, unknownPair, unknownCohort, cohortAsPair, pairAsCohort} {
		if commandWord.MatchString(err.Error()) {
			t.Errorf("%q names a command", err)
		}
	}
}
