package workspace

import (
	"bytes"
	"encoding/hex"
	"errors"

	"pairwise/app/mentoring"
	"pairwise/shared/seal"
)

// ErrNoRelayForInvite is returned when a cohort invite cannot name a
// relay: the cohort's boards meet there, so it needs one.
var ErrNoRelayForInvite = errors.New("no relay is set, and an invite has to tell your partner where to sync")

// Invite returns an invite code for a pair: relay, pair ID, key and either
// the write or the read capability. With no relay set the code names none,
// and the pair travels by file (see bundle.go) until one is set.
func (w *Workspace) Invite(id string, readOnly bool) (string, error) {
	meta, err := w.Meta(id)
	if err != nil {
		return "", err
	}
	if meta.Kind != "" {
		return "", w.notAPair(id)
	}
	relay := meta.Relay
	if relay == "" {
		relay = w.Settings().Relay
	}
	if meta.ReadOnly() && !readOnly {
		return "", ErrReadOnlyInvite
	}
	inv := seal.Invite{Relay: relay, ReadOnly: readOnly}
	raw, err := hex.DecodeString(meta.ID)
	if err != nil {
		return "", err
	}
	copy(inv.Doc[:], raw)
	copy(inv.Key[:], meta.Key)
	copy(inv.Root[:], meta.Root)
	hasRead := len(meta.Read) == len(inv.Secret)
	if readOnly {
		if !hasRead {
			return "", ErrNoReadSecret
		}
		copy(inv.Secret[:], meta.Read)
	} else {
		copy(inv.Secret[:], meta.Write)
		inv.Admit = w.admission(meta, inv.Doc)
		if hasRead {
			// So the partner can invite readers too.
			inv.Read = new(seal.Secret)
			copy(inv.Read[:], meta.Read)
		}
	}
	return inv.String(), nil
}

// inviteRelay is the relay a cohort invite names: the one it
// syncs with, or else the one in the settings.
func (w *Workspace) inviteRelay(meta Meta) (string, error) {
	relay := meta.Relay
	if relay == "" {
		relay = w.Settings().Relay
	}
	if relay == "" {
		return "", ErrNoRelayForInvite
	}
	return relay, nil
}

// Join accepts an invite code and returns the pair's ID. The pair itself
// arrives with the next sync; name and role are added to it then. The pair
// syncs through the relay the invite names, which becomes the default relay
// only if none is set: CheckInvite says beforehand what joining will do.
func (w *Workspace) Join(code, name string, role mentoring.Role) (string, error) {
	inv, err := seal.ParseInvite(code)
	if err != nil {
		return "", err
	}
	if inv.Cohort {
		return "", ErrCohortInvite
	}
	meta := Meta{ID: hex.EncodeToString(inv.Doc[:]), Key: append([]byte(nil), inv.Key[:]...), Relay: inv.Relay, Registered: true}
	if have, err := w.Meta(meta.ID); err == nil && have.Kind == "" && !inv.ReadOnly && inv.Read != nil && len(have.Read) == 0 &&
		bytes.Equal(have.Key, inv.Key[:]) && bytes.Equal(have.Write, inv.Secret[:]) {
		// Joined with a write invite from before they carried the
		// read-only key (ErrNoReadSecret says to join again): this
		// one brings it.
		return meta.ID, w.SetMeta(meta.ID, func(m *Meta) { m.Read = append([]byte(nil), inv.Read[:]...) })
	}
	secret := append([]byte(nil), inv.Secret[:]...)
	if inv.ReadOnly {
		meta.Read = secret
	} else {
		meta.Write = secret
		if inv.Read != nil {
			meta.Read = append([]byte(nil), inv.Read[:]...)
		}
	}
	w.admitFromInvite(&meta, inv)
	if err := w.AddJoined(meta, name, role); err != nil {
		return "", err
	}
	w.adoptRelay(inv.Relay)
	return meta.ID, nil
}
