package mentoring

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalid is matched (errors.Is) by every refusal of bad input. The
// error's text is a sentence meant for the person who typed the input.
var ErrInvalid = errors.New("invalid input")

type invalid string

func (e invalid) Error() string        { return string(e) }
func (e invalid) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error { return invalid(fmt.Sprintf(format, args...)) }

// DateLayout is how dates are written in the document and on the CLI.
const DateLayout = "2006-01-02"

// Limits on what people type, generous for real use and small enough that a
// pasted novel cannot bloat every partner's copy.
const (
	maxTitle   = 200
	maxText    = 20000
	maxCadence = 365
)

func checkDate(what, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return invalidf("%s %q is not a date: write it as YYYY-MM-DD, for example 2027-01-31", what, s)
	}
	return nil
}

func checkTitle(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidf("%s needs a title: type a few words that say what it is", what)
	}
	if utf8.RuneCountInString(s) > maxTitle {
		return "", invalidf("%s title is %d characters long: keep it under %d and put the detail elsewhere", what, utf8.RuneCountInString(s), maxTitle)
	}
	if !utf8.ValidString(s) {
		return "", invalidf("%s title is not valid text", what)
	}
	return s, nil
}

func checkText(what, s string) error {
	if n := utf8.RuneCountInString(s); n > maxText {
		return invalidf("%s is %d characters long: the limit is %d, so split it up", what, n, maxText)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid text", what)
	}
	return nil
}

func checkRole(r Role) error {
	if r != Mentor && r != Mentee {
		return invalidf("role %q is not one Pairwise knows: use mentor or mentee", r)
	}
	return nil
}

func checkStatus(s Status) error {
	for _, ok := range Statuses {
		if s == ok {
			return nil
		}
	}
	return invalidf("status %q is not one Pairwise knows: use not-started, in-progress, achieved or dropped", s)
}

func checkChannel(c string) error {
	if c == "" {
		return nil
	}
	for _, ok := range Channels {
		if c == ok {
			return nil
		}
	}
	return invalidf("channel %q is not one Pairwise knows: use %s", c, strings.Join(Channels, ", "))
}

func checkCadence(days int) error {
	if days < 1 || days > maxCadence {
		return invalidf("a cadence of %d days does not work: choose between 1 and %d days (every 14 to 28 days suits most pairs)", days, maxCadence)
	}
	return nil
}

func checkRating(r int) error {
	if r < 1 || r > 5 {
		return invalidf("a rating of %d is off the scale: rate from 1 (poor) to 5 (excellent)", r)
	}
	return nil
}

func checkTimeZone(tz string) error {
	if tz == "" {
		return nil
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return invalidf("time zone %q is unknown: use a name like Europe/Berlin or America/Sao_Paulo", tz)
	}
	return nil
}

// notBeforeStart refuses a date that falls before the agreement's start.
func notBeforeStart(p *Pair, what, date string) error {
	if date != "" && p.Agreement.Start != "" && date < p.Agreement.Start {
		return invalidf("%s is due %s, before the relationship starts on %s: pick a later date or move the start", what, date, p.Agreement.Start)
	}
	return nil
}

// Invalidf makes a refusal for input checked outside this package (such as
// a number typed into a form), so callers treat it like any other.
func Invalidf(format string, args ...any) error { return invalidf(format, args...) }
