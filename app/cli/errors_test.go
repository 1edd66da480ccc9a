package cli

import (
	"fmt"
	"strings"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// refusal is a relay refusal of a pair, as the engine returns it.
func refusal(code wire.Code, msg string) error {
	return fmt.Errorf("sync: %w", &syncclient.DocError{ID: "ab12", Title: "Ana & Ben", Err: &wire.Error{Code: code, Msg: msg}})
}

// TestExplainNamesTheCommand: each kind of error the core returns is said
// with the command that puts it right.
func TestExplainNamesTheCommand(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"unknown pair", &workspace.IDError{ID: "nope", Want: workspace.ThingPair, Dir: "/d"}, []string{`"nope" is not a pair in /d`, "'pairwise pair list'"}},
		{"unknown cohort", &workspace.IDError{ID: "nope", Want: workspace.ThingCohort, Dir: "/d"}, []string{"'pairwise cohort list'"}},
		{"cohort given for a pair", fmt.Errorf("invite: %w", &workspace.IDError{ID: "c1", Want: workspace.ThingPair, Is: workspace.ThingCohort}), []string{"c1 is a cohort, not a mentoring pair", "'pairwise cohort show c1'", "'pairwise cohort invite c1'"}},
		{"pair given for a cohort", &workspace.IDError{ID: "p1", Want: workspace.ThingCohort, Is: workspace.ThingPair}, []string{"p1 is a mentoring pair, not a cohort", "'pairwise cohort link p1 COHORT'"}},
		{"board given for a cohort", &workspace.IDError{ID: "b1", Want: workspace.ThingCohort, Is: workspace.ThingBoard}, []string{"b1 is a cohort board", "'pairwise cohort list'"}},
		{"pair invite to a cohort", workspace.ErrPairInvite, []string{"'pairwise pair join CODE'"}},
		{"cohort invite to a pair", workspace.ErrCohortInvite, []string{"'pairwise cohort join CODE'"}},
		{"no relay", syncclient.ErrNoRelay, []string{"'pairwise relay set URL'"}},
		{"no relay for an invite", workspace.ErrNoRelayForInvite, []string{"'pairwise relay set URL'"}},
		{"write invite of a read-only pair", workspace.ErrReadOnlyInvite, []string{"--read-only"}},
		{"read-only pair", fmt.Errorf("edit: %w", workspace.ErrReadOnly), []string{"read-only invite", "ask your partner for a write invite"}},
		{"not a manager", workspace.ErrNotManager, []string{"only the cohort's manager"}},
		{"keyring locked", fmt.Errorf("%w, which is not available right now", workspace.ErrKeyring), []string{"locked in your desktop keyring"}},
		{"token locked", fmt.Errorf("%w: %w", workspace.ErrTokenLocked, workspace.ErrKeyring), []string{"'pairwise relay set URL --token TOKEN'"}},
		{"missing event", &mentoring.MissingError{What: "event", ID: "e1"}, []string{`no event "e1"`, "'pairwise cohort show COHORT'"}},
		{"quota", refusal(wire.CodeQuota, "full"), []string{`pair "Ana & Ben": `, "quota", "'pairwise sync'"}},
		{"not a writer", refusal(wire.CodeNotWriter, ""), []string{"'pairwise pair remove ID'", "'pairwise pair join CODE'"}},
		{"read-only refusal", refusal(wire.CodeReadOnly, ""), []string{"read-only invite", "full invite"}},
		{"device", refusal(wire.CodeDevice, ""), []string{"device key", "--data DIR"}},
		{"no token", refusal(wire.CodeToken, "creating a pair on this relay needs an organisation token"), []string{"'pairwise relay set URL --token TOKEN'"}},
		{"wrong access key", refusal(wire.CodeUnauthorized, "the access key in this invite does not match"), []string{"fresh invite"}},
		{"revoked", &wire.Error{Code: wire.CodeRevoked}, []string{"revoked", "'pairwise relay set URL --token TOKEN'"}},
		{"version", &wire.Error{Code: wire.CodeVersion}, []string{"update Pairwise"}},
		{"other code", &wire.Error{Code: wire.CodeNotFound, Msg: "no such pair"}, []string{"the relay refused (not_found): no such pair"}},
	}
	for _, c := range cases {
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

func TestSyncLineExplainsAStoppedSync(t *testing.T) {
	err := &wire.Error{Code: wire.CodeRevoked, Msg: "revoked"}
	got := syncLine(syncclient.Status{State: syncclient.Refused, Detail: err.Error(), Err: err})
	if want := "Sync stopped: the relay's admin revoked your organisation token"; !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want it to start %q", got, want)
	}
}
