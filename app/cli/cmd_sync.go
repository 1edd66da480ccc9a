package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

// syncCommands are the commands that talk to a relay.
var syncCommands = []command{
	{name: "relay set", args: "URL", npos: 1, summary: "choose the relay this machine syncs through",
		flags: func(fs *flag.FlagSet) {
			fs.String("token", "", "organisation token from this relay's admin (needed to add new pairs to the relay); without it, a token given for another relay is forgotten")
		}, run: relaySet},
	{name: "pair invite", args: "PAIR", npos: 1, summary: "print an invite code for your partner",
		flags: func(fs *flag.FlagSet) { fs.Bool("read-only", false, "let the holder read the pair but not change it") },
		run:   pairInvite},
	{name: "pair join", args: "CODE", npos: 1, summary: "join a pair from an invite code and print its ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("me", "", "your name as your partner will see it (required)")
			fs.String("role", "", "your role: mentor or mentee (required)")
			insecureFlag(fs)
		}, run: pairJoin},
	{name: "sync", summary: "sync every pair with the relay (--once: exchange everything, then exit)",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("once", false, "exit once everything is exchanged")
			fs.Duration("timeout", 2*time.Minute, "with --once, give up after this long")
		}, run: syncCmd},
}

func relaySet(e *env, pos []string) error {
	u, err := url.Parse(pos[0])
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return usagef("%q is not a relay address: it looks like wss://relay.example.org (or ws://HOST:PORT on a trusted network)", pos[0])
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	// A token belongs to the relay it was given for: without --token, one
	// given for another relay is forgotten, never sent to this one.
	old := ws.Settings()
	forget := !e.set("token") && old.Relay != pos[0]
	if err := ws.UpdateSettings(func(s *workspace.Settings) {
		if e.set("token") || forget {
			s.Token = e.str("token")
		}
		s.Relay = pos[0]
	}); err != nil {
		return err
	}
	if forget && old.Token != "" {
		fmt.Fprintln(e.stderr, "The organisation token you had set was forgotten: it was given for "+hostOr(old.Relay)+". If this relay needs one, give it with --token.")
	}
	if workspace.InsecureRelay(pos[0]) {
		fmt.Fprintf(e.stderr, "Warning: the connection to %s is not encrypted (ws://, not wss://): the access secrets of your pairs, and the organisation token, would cross the network in clear. Use it only on a network you trust.\n", u.Host)
	}
	return nil
}

// hostOr names a relay by its host, or says it had none.
func hostOr(relay string) string {
	if u, err := url.Parse(relay); err == nil && u.Host != "" {
		return u.Host
	}
	return "no relay in particular"
}

func pairInvite(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	code, err := ws.Invite(pos[0], e.str("read-only") == "true")
	if err != nil {
		return err
	}
	e.println(code)
	if r, err := ws.CheckInvite(code); err == nil && r.ByFile {
		fmt.Fprintln(e.stderr, "No relay is set, so this code names none: the pair travels by file. After your partner joins, save your changes with 'pairwise bundle export "+pos[0]+" --out FILE' and send them the file; they open it with 'pairwise bundle import FILE', and send theirs back the same way.")
	}
	return nil
}

func pairJoin(e *env, pos []string) error {
	if err := required(e, "me", "role"); err != nil {
		return err
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	if err := checkJoin(e, ws, pos[0], false); err != nil {
		return err
	}
	id, err := ws.Join(pos[0], e.str("me"), mentoring.Role(e.str("role")))
	if err != nil {
		return err
	}
	e.println(id)
	return nil
}

func syncCmd(e *env, _ []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	eng := syncclient.New(ws, func(f string, a ...any) { fmt.Fprintf(e.stderr, f+"\n", a...) })
	if e.str("once") != "true" {
		eng.OnStatus(func(s syncclient.Status) { fmt.Fprintln(e.stderr, syncLine(s)) })
		eng.Run(ctx)
		return ws.DiskFailed() // Run ends early only then
	}
	timeout, _ := time.ParseDuration(e.str("timeout"))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := eng.SyncOnce(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("gave up after %s without finishing; your changes are saved here, try again later", timeout)
		}
		return err
	}
	fmt.Fprintln(e.stderr, strings.TrimSpace(eng.Status().String()))
	return nil
}
