package cli

import (
	"flag"
	"fmt"

	"pairwise/app/workspace"
)

// insecureFlag declares --insecure on the commands that join from an
// invite.
func insecureFlag(fs *flag.FlagSet) {
	fs.Bool("insecure", false, "join even though the invite's relay is reached with ws:// (not encrypted) on another computer")
}

// checkJoin prints, on stderr and before anything is saved, which relay
// the invite syncs through and what joining does with the default relay.
// It refuses a relay reached with ws:// on another computer unless
// --insecure is given. An invite of the other kind (cohort, pair) is left
// for the join itself to refuse.
func checkJoin(e *env, ws *workspace.Workspace, code string, cohort bool) error {
	r, err := ws.CheckInvite(code)
	if err != nil {
		return err
	}
	if r.Cohort != cohort {
		return nil
	}
	for _, note := range r.Notes() {
		fmt.Fprintln(e.stderr, note)
	}
	if r.Insecure && e.str("insecure") != "true" {
		return fmt.Errorf("nothing was saved: the connection to %s would not be encrypted. If you trust every network between you and it, run the command again with --insecure; otherwise ask for an invite to a wss:// relay", r.Host)
	}
	return nil
}
