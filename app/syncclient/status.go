package syncclient

import "fmt"

// State is the engine's condition, as the UI shows it.
type State int

// Engine states.
const (
	Idle    State = iota // no relay configured
	Offline              // the relay cannot be reached; retrying
	Syncing              // connected, exchanging changes
	Synced               // connected, nothing waiting either way
	Refused              // the relay refused, or sent what cannot be used; the user has to act
	// Withheld: connected, but the relay has not sent back changes it took
	// from this computer (see freeze.go); Detail says so in full.
	Withheld
)

// Status is a snapshot of the engine's condition.
type Status struct {
	State   State
	Pending uint64 // local changes the relay has not acknowledged
	Detail  string // why, for Offline and Refused
	// Err is the failure Detail says, for callers that explain it in
	// their own words (errors.Is, errors.As); nil if there is none.
	Err error
}

// same reports whether s and t say the same. Err is left out: errors need
// not be comparable, and Detail says it.
func (s Status) same(t Status) bool {
	s.Err, t.Err = nil, nil
	return s == t
}

// String says the status in plain words.
func (s Status) String() string {
	switch s.State {
	case Idle:
		if s.Pending > 0 {
			return fmt.Sprintf("Not syncing (no relay set) — %s saved on this computer only", changes(s.Pending))
		}
		return "Not syncing: no relay set"
	case Offline:
		if s.Pending > 0 {
			return fmt.Sprintf("Offline — %s waiting", changes(s.Pending))
		}
		return "Offline — everything is saved on this computer"
	case Syncing:
		return "Syncing…"
	case Synced:
		return "All changes synced"
	case Refused:
		return "Sync stopped: " + s.Detail
	case Withheld:
		return s.Detail
	}
	return "Unknown"
}

func changes(n uint64) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}
