package mentoring

import "fmt"

// MissingError is returned for an ID that names no item of a cohort: an
// event, a resource or someone on the roster, perhaps removed meanwhile by
// another manager. It is an ErrInvalid. It says which item; where to look
// the IDs up is for the caller to say, in the words of its own screen or
// command.
type MissingError struct {
	What string // "event", "resource" or "person"
	ID   string
}

func (e *MissingError) Error() string {
	if e.What == "person" {
		return fmt.Sprintf("the roster has no one with the ID %q", e.ID)
	}
	return fmt.Sprintf("the cohort has no %s %q", e.What, e.ID)
}

// Is makes errors.Is(err, ErrInvalid) hold, as for every refusal of input.
func (e *MissingError) Is(target error) bool { return target == ErrInvalid }
