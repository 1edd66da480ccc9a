package workspace

import (
	"errors"
	"fmt"
)

// Errors by kind. The client core says what went wrong and carries the
// facts; it never says which command to type or which button to press,
// because the command line and the window each say that in their own words
// (cli's and ui's explain). Callers branch with errors.Is and errors.As.

// What an IDError names: the things a person works on by ID.
const (
	ThingPair   = "pair"
	ThingCohort = "cohort"
	ThingBoard  = "cohort board" // a cohort's board: never typed, but an ID can name it
)

// IDError is returned for an ID that does not name what the operation works
// on: either nothing in this data folder (Is is empty), or a document of
// another kind (a cohort's ID given where a pair's is wanted, or the other
// way round). It wraps ErrUnknownPair or ErrUnknownCohort, after Want.
type IDError struct {
	ID   string
	Want string // ThingPair or ThingCohort: what the operation works on
	Is   string // what ID names here instead, or "" if nothing
	Dir  string // the data folder that was searched
}

func (e *IDError) Error() string {
	if e.Is == "" {
		return fmt.Sprintf("%q is not a %s in %s", e.ID, e.Want, e.Dir)
	}
	return fmt.Sprintf("%s is a %s, not a %s", e.ID, e.Is, e.Want)
}

// Unwrap makes errors.Is(err, ErrUnknownPair) (or ErrUnknownCohort) hold.
func (e *IDError) Unwrap() error {
	if e.Want == ThingCohort {
		return ErrUnknownCohort
	}
	return ErrUnknownPair
}

// WrongKind reports whether the ID names something, only not what was
// wanted.
func (e *IDError) WrongKind() bool { return e.Is != "" }

// ErrPairInvite is returned for a pair's invite code given to join a
// cohort; ErrCohortInvite for a cohort's invite code given to join a pair.
var (
	ErrPairInvite   = errors.New("this is an invite to a mentoring pair, not to a cohort")
	ErrCohortInvite = errors.New("this is an invite to a cohort, not to a mentoring pair")
)

// ErrTokenLocked is wrapped, with ErrKeyring, when the organisation token
// saved in this data folder cannot be unsealed: it has to be given again.
var ErrTokenLocked = errors.New("the organisation token saved here cannot be read")

// ErrReadOnlyInvite is returned for a write invite asked of a pair joined
// read-only: only read-only invites can be passed on.
var ErrReadOnlyInvite = errors.New("you joined this pair read-only, so you can only pass on read-only invites")

// ErrNoReadSecret is returned for a read-only invite asked of a pair joined
// with a write invite from before write invites carried the read-only key.
var ErrNoReadSecret = errors.New("this computer joined the pair with an invite from an older Pairwise, which did not carry the pair's read-only key, so it cannot make a read-only invite; ask your partner to make it, or to send you a new invite and join with it again")
