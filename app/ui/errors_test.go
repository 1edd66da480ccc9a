package ui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"pairwise/app/internal/faults"
	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// refusal is a relay refusal of a pair, as the engine returns it.
func refusal(code wire.Code, msg string) error {
	return fmt.Errorf("sync: %w", &syncclient.DocError{ID: "ab12", Title: "Ana & Ben", Err: &wire.Error{Code: code, Msg: msg}})
}

// errorKinds is one error of each kind the core returns, with what the
// window must say of it.
var errorKinds = []struct {
	name string
	err  error
	want []string
}{
	{"unknown pair", &workspace.IDError{ID: "nope", Want: workspace.ThingPair, Dir: "/d"}, []string{"This pair is not on this computer", "Your pairs, in the sidebar"}},
	{"unknown cohort", &workspace.IDError{ID: "nope", Want: workspace.ThingCohort, Dir: "/d"}, []string{"Cohorts in the sidebar lists the cohorts you have"}},
	{"cohort given for a pair", fmt.Errorf("invite: %w", &workspace.IDError{ID: "c1", Want: workspace.ThingPair, Is: workspace.ThingCohort}), []string{"This is a cohort, not a mentoring pair", "Invite members"}},
	{"pair given for a cohort", &workspace.IDError{ID: "p1", Want: workspace.ThingCohort, Is: workspace.ThingPair}, []string{"This is a mentoring pair, not a cohort", "Link a pair"}},
	{"board given for a cohort", &workspace.IDError{ID: "b1", Want: workspace.ThingCohort, Is: workspace.ThingBoard}, []string{"cohort's board", "Cohorts in the sidebar"}},
	{"pair invite to a cohort", workspace.ErrPairInvite, []string{"Join, below your pairs"}},
	{"cohort invite to a pair", workspace.ErrCohortInvite, []string{"Join, below your pairs"}},
	{"no relay", syncclient.ErrNoRelay, []string{"under Relay in Settings"}},
	{"no relay for an invite", workspace.ErrNoRelayForInvite, []string{"under Relay in Settings"}},
	{"write invite of a read-only pair", workspace.ErrReadOnlyInvite, []string{"tick Read-only"}},
	{"read-only pair", fmt.Errorf("edit: %w", workspace.ErrReadOnly), []string{"read-only invite", "ask your partner for a write invite"}},
	{"not a manager", workspace.ErrNotManager, []string{"Only the cohort's manager"}},
	{"keyring locked", fmt.Errorf("%w, which is not available right now", workspace.ErrKeyring), []string{"locked in your desktop keyring"}},
	{"token locked", fmt.Errorf("%w: %w", workspace.ErrTokenLocked, workspace.ErrKeyring), []string{"organisation token again in Settings"}},
	{"missing event", &mentoring.MissingError{What: "event", ID: "e1"}, []string{`no event "e1"`, "the cohort's screen"}},
	{"quota", refusal(wire.CodeQuota, "full"), []string{`Pair "Ana & Ben": `, "quota", "sync again by themselves"}},
	{"not a writer", refusal(wire.CodeNotWriter, ""), []string{"full invite", "join again with Join"}},
	{"read-only refusal", refusal(wire.CodeReadOnly, ""), []string{"read-only invite", "full invite"}},
	{"device", refusal(wire.CodeDevice, ""), []string{"device key", "fresh folder"}},
	{"no token", refusal(wire.CodeToken, "creating a pair on this relay needs an organisation token; ask the relay's admin for one and add it to Pairwise's relay settings"), []string{"under Organisation token in Settings"}},
	{"wrong access key", refusal(wire.CodeUnauthorized, "the access key in this invite does not match"), []string{"fresh invite"}},
	{"revoked", &wire.Error{Code: wire.CodeRevoked, Msg: "revoked"}, []string{"revoked", "in Settings"}},
	{"version", &wire.Error{Code: wire.CodeVersion}, []string{"update Pairwise"}},
}

// TestExplainNamesTheScreen: each kind of error is said with the button or
// screen that puts it right.
func TestExplainNamesTheScreen(t *testing.T) {
	for _, c := range errorKinds {
		t.Run(c.name, func(t *testing.T) {
			got := explain(c.err)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to say %q", got, w)
				}
			}
		})
	}
}

// command matches what the window must never show: a command to type.
var command = regexp.MustCompile(`pairwise [a-z]|run '|--[a-z]`)

// TestNoCommandReachesTheWindow checks the whole mapping table: no
// sentence the window shows for these errors tells the person to type a
// command, and no log label holds the pair's title.
func TestNoCommandReachesTheWindow(t *testing.T) {
	for _, c := range errorKinds {
		label, text := describe(c.err)
		if command.MatchString(text) {
			t.Errorf("%s: got %q, which names a command", c.name, text)
		}
		if label == "" || strings.Contains(label, "Ana & Ben") {
			t.Errorf("%s: log label %q, want a kind without the title", c.name, label)
		}
	}
}

// The window's explanation keeps the error: callers still branch on it.
func TestShownErrorsStillMatch(t *testing.T) {
	u, ws := setup(t)
	_, err := ws.Pair("nope")
	if !errors.Is(err, workspace.ErrUnknownPair) {
		t.Fatalf("got %v, want ErrUnknownPair", err)
	}
	u.showError(err)
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "This pair is not on this computer") || command.MatchString(text) {
		t.Errorf("the dialog says %q", text)
	}
}

// A stopped sync is said in the window's words, not the relay's.
func TestStoppedSyncSaysWhatToDoHere(t *testing.T) {
	u, _ := setup(t)
	err := refusal(wire.CodeToken, "creating a pair on this relay needs an organisation token; ask the relay's admin for one and add it to Pairwise's relay settings")
	u.showStatus(syncclient.Status{State: syncclient.Refused, Detail: err.Error(), Err: err})
	text := strings.Join(labels(topOverlay(t, u)), " ")
	if !strings.Contains(text, "Organisation token in Settings") || command.MatchString(text) || command.MatchString(u.status.Text) {
		t.Errorf("the dialog says %q and the status bar %q", text, u.status.Text)
	}
}

// A disk that failed is said with what to do, in the dialog of a stopped
// sync as in the status bar.
func TestAFailedDiskIsSaidWithWhatToDo(t *testing.T) {
	u, ws := setup(t)
	t.Cleanup(faults.SetSync(func() error { return syscall.EIO }))
	_, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if !errors.Is(err, workspace.ErrDiskFailed) {
		t.Fatalf("a pair made as the disk fails: %v, want ErrDiskFailed", err)
	}
	if label, _ := describe(err); label != "disk failed" {
		t.Errorf("log label %q, want \"disk failed\"", label)
	}
	u.showStatus(syncclient.Status{State: syncclient.Refused, Detail: err.Error(), Err: err})
	text := strings.Join(labels(topOverlay(t, u)), " ")
	for _, w := range []string{"could not write to the disk", "Check the disk, then restart Pairwise"} {
		if !strings.Contains(text, w) || !strings.Contains(u.status.Text, w) {
			t.Errorf("the dialog says %q and the status bar %q; want both to say %q", text, u.status.Text, w)
		}
	}
}
