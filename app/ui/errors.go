package ui

import (
	"errors"
	"fmt"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// explain says an error from the client core the way the window does: what
// went wrong, and the button or screen that puts it right. The core's
// errors carry the facts (errors.Is, errors.As); the command line says the
// same facts with its commands (cli's explain). An error it does not know
// is said as it is.
func explain(err error) string {
	_, s := describe(err)
	return sentence(s)
}

// describe returns a short label of the error's kind, for the log (it
// holds IDs and codes, never a title or anything typed), and the sentence.
func describe(err error) (label, text string) {
	if err == nil {
		return "", ""
	}
	var (
		idErr   *workspace.IDError
		missing *mentoring.MissingError
		we      *wire.Error
	)
	switch {
	case errors.As(err, &idErr):
		return "id " + idErr.ID + " is not a " + idErr.Want, explainID(idErr)
	case errors.Is(err, workspace.ErrPairInvite):
		return "pair invite given for a cohort", err.Error() + ": Join, below your pairs, takes it as a pair"
	case errors.Is(err, workspace.ErrCohortInvite):
		return "cohort invite given for a pair", err.Error() + ": Join, below your pairs, takes it as a cohort"
	case errors.Is(err, syncclient.ErrNoRelay):
		return "no relay", "no relay is set: enter the address your programme gave you under Relay in Settings (the gear above your pairs)"
	case errors.Is(err, workspace.ErrNoRelayForInvite):
		return "no relay for an invite", "set a relay first, under Relay in Settings (the gear above your pairs): the invite tells your partner where to sync"
	case errors.Is(err, workspace.ErrReadOnlyInvite):
		return "write invite of a read-only pair", err.Error() + ": tick Read-only above the code"
	case errors.Is(err, workspace.ErrReadOnly):
		return "read-only pair", err.Error()
	case errors.Is(err, workspace.ErrNotManager):
		return "not a manager", err.Error()
	case errors.Is(err, workspace.ErrClosed):
		return "closed pair", err.Error()
	case errors.Is(err, workspace.ErrTokenLocked):
		return "token locked", err.Error() + ". Enter the organisation token again in Settings"
	case errors.Is(err, workspace.ErrKeyring):
		return "keyring locked", err.Error()
	case errors.Is(err, workspace.ErrDiskFailed):
		return "disk failed", err.Error()
	case errors.As(err, &missing):
		return "no " + missing.What + " " + missing.ID, err.Error() + ": it may have been removed meanwhile, and the cohort's screen shows what is there now"
	case errors.Is(err, mentoring.ErrInvalid):
		return "input refused", err.Error()
	case errors.As(err, &we):
		return "relay refused (" + string(we.Code) + ")" + logDoc(err), onDoc(err, explainRefusal(we))
	}
	return fmt.Sprintf("error (%T)", err), err.Error()
}

func explainID(e *workspace.IDError) string {
	switch {
	case e.Is == "" && e.Want == workspace.ThingCohort:
		return "this cohort is not on this computer: it may have been removed. Cohorts in the sidebar lists the cohorts you have"
	case e.Is == "":
		return "this pair is not on this computer: it may have been removed. Your pairs, in the sidebar, lists the pairs you have"
	case e.Is == workspace.ThingCohort:
		return "this is a cohort, not a mentoring pair: open it from Cohorts in the sidebar, where Invite members makes an invite to it"
	case e.Is == workspace.ThingPair:
		return "this is a mentoring pair, not a cohort: open it from Your pairs in the sidebar. To put it in a cohort, open the cohort and choose Link a pair"
	}
	return "this is a cohort's board, not the cohort: open the cohort from Cohorts in the sidebar"
}

// explainRefusal says why the relay refused, and what to do.
func explainRefusal(we *wire.Error) string {
	switch we.Code {
	case wire.CodeQuota:
		return "the relay has no room left for it (its storage quota is used up). Your changes are kept on this computer; ask the relay's admin to raise the quota or remove pairs no longer used, and they sync again by themselves"
	case wire.CodeNotWriter:
		return "the relay does not take changes from this computer, as it is not one of the writers. Ask your partner for a full invite, then remove it here (the bin at the top of its screen) and join again with Join"
	case wire.CodeReadOnly:
		return "you joined it with a read-only invite, so the relay does not take your changes; they stay on this computer. Ask your partner for a full invite"
	case wire.CodeDevice:
		return "the relay could not check this computer's device key, so the data folder may be damaged. Restore it from a backup, or start Pairwise with a fresh folder and join your pairs again from new invites"
	case wire.CodeToken:
		return "adding a pair to this relay needs a valid organisation token: ask the relay's admin for one and enter it under Organisation token in Settings"
	case wire.CodeUnauthorized:
		return "the relay did not accept the access key of this invite: ask your partner for a fresh invite"
	case wire.CodeRevoked:
		return "the relay's admin revoked your organisation token: ask them for a new one and enter it under Organisation token in Settings"
	case wire.CodeVersion:
		return "the relay speaks another version of the sync protocol: update Pairwise, or ask the relay's admin to update the relay"
	}
	return "the relay refused (" + string(we.Code) + "): " + we.Msg
}

// onDoc names the pair or cohort a refusal concerns, if it is known.
func onDoc(err error, s string) string {
	var de *syncclient.DocError
	if errors.As(err, &de) {
		return sentence(de.Name()) + ": " + s
	}
	return s
}

// logDoc names the document of a refusal by ID, for the log.
func logDoc(err error) string {
	var de *syncclient.DocError
	if errors.As(err, &de) {
		return " for " + de.ID
	}
	return ""
}

// sentence capitalises a message for a dialog.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if r[0] >= 'a' && r[0] <= 'z' {
		r[0] -= 'a' - 'A'
	}
	return string(r)
}
