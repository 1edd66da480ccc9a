package syncclient

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/shared/wire"
)

// A refusal names the pair by its title for the person, and by its ID
// alone in the log.
func TestLogTextNamesDocumentsByID(t *testing.T) {
	we := &wire.Error{Code: wire.CodeReadOnly, Msg: "read-only"}
	cases := []struct {
		name string
		err  error
		user string // in err.Error()
		log  string // in LogText(err)
	}{
		{"pair", fmt.Errorf("sync: %w", &DocError{ID: "ab12", Title: "Ana & Ben", Err: we}), `pair "Ana & Ben": relay refused (read_only)`, "sync: pair ab12: relay refused (read_only)"},
		{"cohort", &DocError{ID: "cd34", Kind: mentoring.KindProgramme, Title: "Spring", Err: ErrRefusedRecord}, `cohort "Spring": refused`, "cohort cd34: refused"},
		{"board", &DocError{ID: "ef56", Kind: mentoring.KindBoard, Title: "Spring", Err: ErrRelayBehind}, `the board of cohort "Spring"`, "cohort board ef56: the relay has lost records"},
		{"held back", heldError(`The relay took 2 changes to pair "Ana & Ben"`), "Ana & Ben", ErrWithheld.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.err.Error(); !strings.Contains(got, c.user) {
				t.Errorf("message: got %q, want %q in it", got, c.user)
			}
			got := LogText(c.err)
			if !strings.Contains(got, c.log) || strings.Contains(got, "Ana & Ben") || strings.Contains(got, "Spring") {
				t.Errorf("log: got %q, want %q and no title", got, c.log)
			}
		})
	}
	if !errors.As(cases[0].err, &we) || we.Code != wire.CodeReadOnly {
		t.Error("a DocError hides the wire error it wraps")
	}
}
