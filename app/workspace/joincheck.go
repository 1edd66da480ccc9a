package workspace

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"pairwise/app/mentoring"
	"pairwise/app/store"
	"pairwise/shared/seal"
)

// InviteRelay is what joining from an invite would do with relays, for
// showing before anything is saved: an invite names the relay its pair (or
// cohort) syncs through, and whoever made it chose that relay.
type InviteRelay struct {
	URL    string // the relay's address as the invite names it
	Host   string // its host and port, the part to show
	Cohort bool   // the invite is to a cohort
	// Insecure is set for ws:// to another computer: the connection is not
	// encrypted, so the access secret sent to the relay (and the
	// organisation token, if this becomes the default relay) can be read
	// on the way.
	Insecure bool
	// NewDefault is set when no default relay is set here: joining makes
	// this one the default, which the Unrelayed documents that have never
	// synced then sync through too.
	NewDefault bool
	Unrelayed  int
	// Default is the default relay when it is another one. The engine
	// syncs with the default relay only, so the joined pair waits until
	// this one is chosen in Settings.
	Default string
	// ByFile is set for an invite that names no relay: the pair travels
	// by file (ImportBundle) until a relay is set.
	ByFile bool
}

// CheckInvite reads an invite code and says what joining from it would do
// with relays. It saves nothing.
func (w *Workspace) CheckInvite(code string) (InviteRelay, error) {
	inv, err := seal.ParseInvite(code)
	if err != nil {
		return InviteRelay{}, err
	}
	if inv.Relay == "" {
		return InviteRelay{Cohort: inv.Cohort, ByFile: true}, nil
	}
	u, err := url.Parse(inv.Relay)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return InviteRelay{}, fmt.Errorf("this invite names a relay address that cannot be used (%q); ask for a new invite", inv.Relay)
	}
	r := InviteRelay{URL: inv.Relay, Host: u.Host, Cohort: inv.Cohort, Insecure: InsecureRelay(inv.Relay)}
	switch def := w.Settings().Relay; def {
	case "":
		r.NewDefault = true
		if r.Unrelayed, err = w.unrelayed(); err != nil {
			return InviteRelay{}, err
		}
	case inv.Relay:
	default:
		r.Default = def
	}
	return r, nil
}

// unrelayed counts the documents that have no relay of their own yet.
func (w *Workspace) unrelayed() (int, error) {
	ids, err := w.st.Docs()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		var m Meta
		if err := w.st.Meta(id, &m); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, err
		}
		if m.Relay == "" && m.Kind != mentoring.KindBoard {
			n++
		}
	}
	return n, nil
}

// Notes are sentences for the person joining: where the pair will sync,
// the Warning if there is one, and what happens to the default relay.
func (r InviteRelay) Notes() []string {
	about := r.About()
	notes := about[:1:1]
	if w := r.Warning(); w != "" {
		notes = append(notes, w)
	}
	return append(notes, about[1:]...)
}

// About says where the pair (or cohort) will sync and what happens to the
// default relay.
func (r InviteRelay) About() []string {
	if r.ByFile {
		return []string{fmt.Sprintf("This %s names no relay: it travels by file. It shows here once you open the first file of changes your partner saves for you.", r.what())}
	}
	notes := []string{fmt.Sprintf("This %s syncs through the relay at %s.", r.what(), r.Host)}
	switch {
	case r.NewDefault && r.Unrelayed > 0:
		notes = append(notes, fmt.Sprintf("No relay is set on this computer yet, so %s becomes your default relay: new pairs, and the %d pairs or cohorts you have that never synced, will sync through it. You can change this in Settings.", r.Host, r.Unrelayed))
	case r.NewDefault:
		notes = append(notes, fmt.Sprintf("No relay is set on this computer yet, so %s becomes your default relay, which new pairs sync through. You can change this in Settings.", r.Host))
	case r.Default != "":
		notes = append(notes, fmt.Sprintf("Your default relay stays %s, and your other pairs stay with it. Pairwise syncs with one relay at a time, so this %s waits until you choose %s in Settings.", hostOf(r.Default), r.what(), r.Host))
	}
	return notes
}

// Warning explains what an unencrypted relay exposes, or is "" if the
// relay is reached with wss:// or on this computer.
func (r InviteRelay) Warning() string {
	if !r.Insecure {
		return ""
	}
	return fmt.Sprintf("Warning: the connection to %s is not encrypted (ws://, not wss://). The %s's records stay sealed with a key that never leaves this computer, but the access secret sent to the relay%s would cross the network in clear, where anyone on the way could copy it and disrupt the %s. Join only if you trust every network between you and %s, or ask for an invite to a wss:// relay.",
		r.Host, r.what(), r.tokenToo(), r.what(), r.Host)
}

func (r InviteRelay) what() string {
	if r.Cohort {
		return "cohort"
	}
	return "pair"
}

func (r InviteRelay) tokenToo() string {
	if r.NewDefault {
		return ", and any organisation token you give your default relay,"
	}
	return ""
}

// InsecureRelay reports whether a relay address is reached without
// encryption over a network: ws:// to anything but this computer.
func InsecureRelay(relay string) bool {
	u, err := url.Parse(relay)
	if err != nil || !strings.EqualFold(u.Scheme, "ws") {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

func hostOf(relay string) string {
	if u, err := url.Parse(relay); err == nil && u.Host != "" {
		return u.Host
	}
	return relay
}

// adoptRelay makes relay the default one if none is set. A token kept
// without a relay goes: it was given for some other relay, and would
// otherwise be sent to this one.
func (w *Workspace) adoptRelay(relay string) {
	if relay == "" || w.Settings().Relay != "" {
		return
	}
	if err := w.UpdateSettings(func(s *Settings) {
		if s.Relay == "" {
			s.Relay, s.Token = relay, ""
		}
	}); err != nil {
		w.logf("could not make %s the default relay: %v; set it in Settings", relay, err)
	}
}
