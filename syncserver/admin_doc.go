package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relay"
	"pairwise/syncserver/relaystore"
)

// doc runs `pairwise-relay doc list|delete`.
func doc(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("doc needs a command: list or delete")
	}
	fs := flag.NewFlagSet("doc "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	pl := addPlaceFlags(fs, "the relay's data folder")
	switch args[0] {
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := pl.check(); err != nil {
			return err
		}
		return docList(pl, stdout, stderr)
	case "delete":
		id, err := parseWithArg(fs, args[1:], "usage: pairwise-relay doc delete --data DIR ID")
		if err != nil {
			return err
		}
		if err := pl.check(); err != nil {
			return err
		}
		if _, err := relay.ParseDocID(id); err != nil {
			return err
		}
		if _, err := adminRun(pl, relay.Request{Op: relay.OpDelete, Doc: id}, stderr); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Deleted %s: its records, snapshot and usage are gone from the relay. Its members keep their own copies.\n", id)
		return nil
	}
	return fmt.Errorf("unknown doc command %q: choose list or delete", args[0])
}

// parseWithArg parses flags with one argument before or after them.
func parseWithArg(fs *flag.FlagSet, rest []string, usage string) (string, error) {
	var arg string
	if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
		arg, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return "", err
	}
	if arg == "" && fs.NArg() == 1 {
		arg = fs.Arg(0)
	} else if fs.NArg() > 0 || arg == "" {
		return "", errors.New(usage)
	}
	return arg, nil
}

// adminRun carries out an admin request: against a shared database at
// once (every serving instance hears of a deletion from the database), or
// through the data folder (adminRequest).
func adminRun(pl *place, r relay.Request, stderr io.Writer) (relay.Outcome, error) {
	if !pl.shared() {
		return adminRequest(pl.data, r, stderr)
	}
	st, err := pl.openShared(stderr)
	if err != nil {
		return relay.Outcome{}, err
	}
	defer st.Close()
	return relay.RunRequest(r, st)
}

// adminRequest queues a request in the data folder, then either waits for
// the relay serving that folder to carry it out, or, with none serving,
// opens the store and carries it out here.
func adminRequest(data string, r relay.Request, stderr io.Writer) (relay.Outcome, error) {
	var none relay.Outcome
	id, err := relay.QueueRequest(data, r)
	if err != nil {
		return none, err
	}
	storeDir := filepath.Join(data, "store")
	if _, err := os.Stat(filepath.Join(storeDir, "MANIFEST")); err == nil {
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		st, err := relaystore.OpenBadger(storeDir, log)
		switch {
		case errors.Is(err, relaystore.ErrLocked):
			// A relay serves this folder; it checks for requests every second.
		case err != nil:
			return none, err
		default:
			err := relay.RunRequests(data, st, log)
			if cerr := st.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return none, err
			}
		}
	} else if err := relay.RunRequests(data, emptyStore{}, slog.New(slog.DiscardHandler)); err != nil {
		return none, err
	}
	out, ok, err := relay.WaitRequest(data, id, 30*time.Second)
	if err != nil {
		return none, err
	}
	if !ok {
		return none, errors.New("the relay serving this folder has not carried out the request within 30 seconds; it stays queued and is carried out when the relay next checks or starts")
	}
	if out.Err != "" {
		return out, errors.New(out.Err)
	}
	return out, nil
}

// emptyStore stands in for a data folder that has no store yet.
type emptyStore struct{}

func (emptyStore) Usage(wire.DocID) (relaystore.Usage, bool) { return relaystore.Usage{}, false }
func (emptyStore) OwnerBytes(string) int64                   { return 0 }
func (emptyStore) Usages() []relaystore.Usage                { return nil }
func (emptyStore) DeleteDoc(wire.DocID) error                { return relaystore.ErrNotFound }

func docList(pl *place, stdout, stderr io.Writer) error {
	var rep relay.UsageReport
	if pl.shared() {
		st, err := pl.openShared(stderr)
		if err != nil {
			return err
		}
		rep = relay.UsageReportOf(st)
		st.Close()
	} else {
		if _, err := adminRequest(pl.data, relay.Request{Op: relay.OpReport}, stderr); err != nil {
			return err
		}
		var err error
		if rep, err = relay.ReadUsageReport(pl.data); err != nil {
			return err
		}
	}
	if len(rep.Docs) == 0 {
		fmt.Fprintln(stdout, "No documents on this relay yet.")
		return nil
	}
	names := tokenNames(pl, stderr)
	type total struct {
		docs  int
		bytes int64
	}
	totals := map[string]*total{}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOCUMENT\tTOKEN\tRECORDS\tSIZE\tLAST WRITE")
	for _, d := range rep.Docs {
		last := "unknown"
		if d.LastWrite != nil {
			last = d.LastWrite.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.Doc, names(d.Owner), d.Records, formatSize(d.Bytes), last)
		t := totals[d.Owner]
		if t == nil {
			t = &total{}
			totals[d.Owner] = t
		}
		t.docs++
		t.bytes += d.Bytes
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "TOKEN\tDOCUMENTS\tSIZE")
	owners := make([]string, 0, len(totals))
	for o := range totals {
		owners = append(owners, o)
	}
	sort.Slice(owners, func(i, j int) bool { return totals[owners[i]].bytes > totals[owners[j]].bytes })
	for _, o := range owners {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", names(o), totals[o].docs, formatSize(totals[o].bytes))
	}
	fmt.Fprintf(tw, "\nAs of %s. Documents from before the relay kept usage show token (unknown).\n", rep.Written.Local().Format(time.DateTime))
	return tw.Flush()
}

// tokenNames maps token IDs to the names `token list` shows.
func tokenNames(pl *place, stderr io.Writer) func(string) string {
	var list []relay.Token
	pl.tokens(stderr, func(a relay.TokenAdmin) (err error) { list, err = a.List(); return err })
	return func(id string) string {
		if id == "" {
			return "(unknown)"
		}
		for _, t := range list {
			if t.ID() == id {
				if t.Revoked != nil {
					return t.Name + " (revoked)"
				}
				return t.Name
			}
		}
		return "(deleted token " + id[:min(8, len(id))] + ")"
	}
}
