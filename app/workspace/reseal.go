package workspace

import (
	"errors"

	"pairwise/app/store"
)

// Sealing what was stored in clear. A data folder made before the desktop
// had a keyring (or by a Pairwise that kept the token in clear) holds keys,
// capabilities and the token as they are. On the first start with a
// keyring they are sealed; and since Badger keeps the old versions of a
// record in its files until a compaction happens to reach them, the store
// is then purged: its live records are copied into a fresh folder that
// replaces the old one (see store.Purge), so the clear values are gone
// from disk rather than only superseded.
//
// A crash at any point is safe. The purge mark goes to disk before the
// first record is rewritten, so a start after a crash mid-way seals what
// is left and purges; the purge itself recovers on the next start (see
// store.Open) and runs again while the mark is there.

// sealAtRest seals what is in clear and purges the old copies. tokenInClear
// says the stored settings hold the token in clear; firstKeyring that this
// is the first start with a keyring of a folder used before, whose removed
// pairs may have left their keys in old versions. Failures are logged, as
// the folder works on as it is, except a purge that left the store closed.
func (w *Workspace) sealAtRest(tokenInClear, firstKeyring bool) error {
	var clear []Meta
	if w.vault.key != nil {
		var err error
		if clear, err = w.metasInClear(); err != nil {
			w.logf("could not look for keys stored in clear in %s: %v", w.st.Dir(), err)
			return nil
		}
	}
	work := w.vault.key != nil && (len(clear) > 0 || tokenInClear || firstKeyring)
	if !work && !w.st.PurgePending() {
		return nil
	}
	if work {
		if err := w.resealAll(clear, tokenInClear); err != nil {
			w.logf("could not seal the keys in %s with your keyring yet (%v); they stay protected by the folder's permissions, and Pairwise tries again when it next starts", w.st.Dir(), err)
			return nil
		}
	}
	err := w.opts.purge(w.st)
	if err != nil && w.st.Closed() {
		return err
	}
	if err != nil {
		w.logf("the keys in %s are sealed, but old copies of them may remain in the folder's files (%v); Pairwise tries again to clear them when it next starts", w.st.Dir(), err)
	}
	return nil
}

// resealAll marks the store for purging and rewrites clear (and the token
// if tokenInClear) sealed.
func (w *Workspace) resealAll(clear []Meta, tokenInClear bool) error {
	if err := w.st.MarkPurge(); err != nil {
		return err
	}
	for _, m := range clear {
		if err := w.putMeta(m); err != nil {
			return err
		}
	}
	if tokenInClear {
		return w.putSettings(w.settings, w.settings)
	}
	return nil
}

// metasInClear returns the stored metadata whose secrets are not sealed.
func (w *Workspace) metasInClear() ([]Meta, error) {
	ids, err := w.st.Docs()
	if err != nil {
		return nil, err
	}
	var clear []Meta
	for _, id := range ids {
		var m Meta
		if err := w.st.Meta(id, &m); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if m.Sealed == nil && (m.Key != nil || m.Write != nil || m.Read != nil) {
			clear = append(clear, m)
		}
	}
	return clear, nil
}
