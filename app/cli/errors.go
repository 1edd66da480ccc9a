package cli

import (
	"errors"
	"fmt"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// explain says an error from the client core the way the command line
// does: what went wrong, and the command that puts it right. The core's
// errors carry the facts (errors.Is, errors.As); the window says the same
// facts with its own buttons (ui's explain). An error it does not know is
// said as it is.
func explain(err error) string {
	if err == nil {
		return ""
	}
	var (
		idErr   *workspace.IDError
		missing *mentoring.MissingError
		we      *wire.Error
	)
	switch {
	case errors.As(err, &idErr):
		return explainID(idErr)
	case errors.Is(err, workspace.ErrPairInvite):
		return err.Error() + ": join it with 'pairwise pair join CODE'"
	case errors.Is(err, workspace.ErrCohortInvite):
		return err.Error() + ": join it with 'pairwise cohort join CODE'"
	case errors.Is(err, syncclient.ErrNoRelay):
		return "no relay is set: run 'pairwise relay set URL' with the address your programme gave you"
	case errors.Is(err, workspace.ErrNoRelayForInvite):
		return err.Error() + ": set one first with 'pairwise relay set URL'"
	case errors.Is(err, workspace.ErrReadOnlyInvite):
		return err.Error() + ": add --read-only to 'pairwise pair invite'"
	case errors.Is(err, workspace.ErrReadOnly), errors.Is(err, workspace.ErrNotManager), errors.Is(err, workspace.ErrClosed):
		return err.Error() // the core's sentence already says what to do
	case errors.Is(err, workspace.ErrTokenLocked):
		return err.Error() + "; give it again with 'pairwise relay set URL --token TOKEN'"
	case errors.Is(err, workspace.ErrKeyring):
		return err.Error()
	case errors.As(err, &missing):
		return err.Error() + ": 'pairwise cohort show COHORT' lists them with their IDs"
	case errors.As(err, &we):
		return onDoc(err, explainRefusal(we))
	}
	return err.Error()
}

func explainID(e *workspace.IDError) string {
	switch {
	case e.Is == "" && e.Want == workspace.ThingCohort:
		return e.Error() + "; 'pairwise cohort list' shows the cohorts you have"
	case e.Is == "":
		return e.Error() + "; 'pairwise pair list' shows the pairs you have"
	case e.Is == workspace.ThingCohort:
		return fmt.Sprintf("%s is a cohort, not a mentoring pair: the cohort commands work on it, such as 'pairwise cohort show %s' or 'pairwise cohort invite %s'", e.ID, e.ID, e.ID)
	case e.Is == workspace.ThingPair:
		return fmt.Sprintf("%s is a mentoring pair, not a cohort: 'pairwise cohort list' shows the cohorts you have, and 'pairwise cohort link %s COHORT' links this pair to one", e.ID, e.ID)
	}
	return e.Error() + "; 'pairwise cohort list' shows the cohorts' own IDs"
}

// explainRefusal says why the relay refused, and what to do.
func explainRefusal(we *wire.Error) string {
	switch we.Code {
	case wire.CodeQuota:
		return "the relay has no room left for it (its storage quota is used up). Your changes are kept on this computer; ask the relay's admin to raise the quota or remove pairs no longer used, then run 'pairwise sync' again"
	case wire.CodeNotWriter:
		return "the relay does not take changes from this computer, as it is not one of the writers. Ask your partner for a full invite, then remove it here ('pairwise pair remove ID') and join again ('pairwise pair join CODE')"
	case wire.CodeReadOnly:
		return "you joined it with a read-only invite, so the relay does not take your changes; they stay on this computer. Ask your partner for a full invite"
	case wire.CodeDevice:
		return "the relay could not check this computer's device key, so the data folder may be damaged. Restore it from a backup, or start with a fresh folder (--data DIR) and join your pairs again from new invites"
	case wire.CodeToken:
		return "adding a pair to this relay needs a valid organisation token: ask the relay's admin for one and give it with 'pairwise relay set URL --token TOKEN'"
	case wire.CodeUnauthorized:
		return "the relay did not accept the access key of this invite: ask your partner for a fresh invite"
	case wire.CodeRevoked:
		return "the relay's admin revoked your organisation token: ask them for a new one and give it with 'pairwise relay set URL --token TOKEN'"
	case wire.CodeVersion:
		return "the relay speaks another version of the sync protocol: update Pairwise, or ask the relay's admin to update the relay"
	}
	return "the relay refused (" + string(we.Code) + "): " + we.Msg
}

// onDoc names the pair or cohort a refusal concerns, if it is known.
func onDoc(err error, s string) string {
	var de *syncclient.DocError
	if errors.As(err, &de) {
		return de.Name() + ": " + s
	}
	return s
}

// syncLine says the sync status, with a stopped sync explained.
func syncLine(s syncclient.Status) string {
	if s.State == syncclient.Refused && s.Err != nil {
		return "Sync stopped: " + explain(s.Err)
	}
	return s.String()
}
