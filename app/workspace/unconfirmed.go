package workspace

import "pairwise/app/crdt"

// Changes merged early (ApplyEarly) are not on the relay's disk yet. If the
// relay loses them (it crashed, or could not store them), their author
// sends them again, but perhaps only after a change made here on top of
// them has reached the relay; a partner's app would then get a change
// before one it builds on, and could not merge it. So until a record the
// relay has stored brings them, every change this machine makes carries
// them in its own record, ahead of itself (a change merged twice changes
// nothing). They are kept with the pair, so a restart does not forget
// them.

// Bounds on what is carried: a relay that sends records early and never
// stores them could otherwise make every change this machine makes grow.
// Past them the oldest are dropped (the newest is kept, however large).
const (
	maxUnconfirmed      = 256
	maxUnconfirmedBytes = 1 << 20
)

// unconfirmed are the changes merged early and not yet seen in a record
// the relay stored, oldest first.
type unconfirmed struct {
	list  []crdt.Change
	bytes int
	// once marks the changes that one record of this machine's need carry
	// only once: those opened from a file. This machine's records reach
	// the relay in order, so everything after the one that carried them
	// follows them; carrying them in every change would make each of a
	// pair that only travels by file grow, since no relay ever confirms
	// them.
	once map[string]bool
	// held marks the changes the saver holds and has not yet written
	// (saver.go): the bounds never drop them, so an edit carries every
	// change not yet on disk. The saver's own bound keeps them few.
	held map[string]bool
}

// addOnce keeps the changes in raw, to be carried once (see once).
func (u *unconfirmed) addOnce(raw []byte) {
	u.add(raw)
	if u.once == nil {
		u.once = map[string]bool{}
	}
	for _, c := range crdt.SplitChanges(raw) {
		if u.has(c.Hash) {
			u.once[c.Hash] = true
		}
	}
}

// allOnce marks every change kept as carried once: for a pair with no
// relay, whatever is kept came from files.
func (u *unconfirmed) allOnce() {
	for _, c := range u.list {
		if u.once == nil {
			u.once = map[string]bool{}
		}
		u.once[c.Hash] = true
	}
}

// onceHashes lists the changes to carry once that are kept now.
func (u *unconfirmed) onceHashes() []string {
	if len(u.once) == 0 {
		return nil
	}
	out := make([]string, 0, len(u.once))
	for h := range u.once {
		out = append(out, h)
	}
	return out
}

// carried forgets the changes to carry once that a record now written
// carried (as onceHashes listed them when it was made).
func (u *unconfirmed) carried(hashes []string) {
	if len(hashes) > 0 {
		u.confirmHashes(hashes)
	}
}

// add keeps the changes in raw.
func (u *unconfirmed) add(raw []byte) { u.addParts(crdt.SplitChanges(raw), false) }

// addParts keeps the changes in parts, marked as held by the saver if
// held is set.
func (u *unconfirmed) addParts(parts []crdt.Change, held bool) {
	for _, c := range parts {
		if held {
			if u.held == nil {
				u.held = map[string]bool{}
			}
			u.held[c.Hash] = true
		}
		if u.has(c.Hash) {
			continue
		}
		u.list = append(u.list, crdt.Change{Hash: c.Hash, Raw: append([]byte(nil), c.Raw...)})
		u.bytes += len(c.Raw)
	}
	u.trim()
}

// written unmarks the changes the saver has written (see held).
func (u *unconfirmed) written(hashes []string) {
	for _, h := range hashes {
		delete(u.held, h)
	}
	u.trim()
}

// trim drops the oldest changes past the bounds (the newest is kept,
// however large), but none the saver holds.
func (u *unconfirmed) trim() {
	if len(u.list) <= maxUnconfirmed && u.bytes <= maxUnconfirmedBytes {
		return
	}
	kept := u.list[:0]
	for i, c := range u.list {
		over := len(u.list)-i+len(kept) > maxUnconfirmed || u.bytes > maxUnconfirmedBytes
		if over && i < len(u.list)-1 && !u.held[c.Hash] {
			u.bytes -= len(c.Raw)
			delete(u.once, c.Hash)
			continue
		}
		kept = append(kept, c)
	}
	clear(u.list[len(kept):])
	u.list = kept
}

func (u *unconfirmed) has(hash string) bool {
	for _, c := range u.list {
		if c.Hash == hash {
			return true
		}
	}
	return false
}

// confirm drops the changes that raw (a record the relay stored) holds,
// and reports whether any were dropped.
func (u *unconfirmed) confirm(raw []byte) bool {
	if len(u.list) == 0 {
		return false
	}
	return u.drop(func(hash string) bool {
		for _, c := range crdt.SplitChanges(raw) {
			if c.Hash == hash {
				return true
			}
		}
		return false
	})
}

// confirmCovered drops the changes a stored snapshot holds.
func (u *unconfirmed) confirmCovered(covered func(hash string) bool) bool {
	if len(u.list) == 0 {
		return false
	}
	return u.drop(covered)
}

// confirmHashes drops the changes with the given hashes.
func (u *unconfirmed) confirmHashes(hashes []string) bool {
	if len(u.list) == 0 || len(hashes) == 0 {
		return false
	}
	set := hashSet(hashes)
	return u.drop(func(hash string) bool { return set[hash] })
}

func hashSet(hashes []string) map[string]bool {
	set := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		set[h] = true
	}
	return set
}

func (u *unconfirmed) drop(stored func(hash string) bool) bool {
	kept := u.list[:0]
	for _, c := range u.list {
		if stored(c.Hash) {
			u.bytes -= len(c.Raw)
			delete(u.once, c.Hash)
			continue
		}
		kept = append(kept, c)
	}
	dropped := len(kept) < len(u.list)
	clear(u.list[len(kept):])
	u.list = kept
	return dropped
}

// raw returns the changes concatenated, in order (nil if none).
func (u *unconfirmed) raw() []byte { return u.rawWithout(nil) }

// rawWithout is raw without the changes with the given hashes.
func (u *unconfirmed) rawWithout(hashes []string) []byte {
	if len(u.list) == 0 {
		return nil
	}
	set := hashSet(hashes)
	out := make([]byte, 0, u.bytes)
	for _, c := range u.list {
		if !set[c.Hash] {
			out = append(out, c.Raw...)
		}
	}
	return out
}

// carry returns change with the unconfirmed changes ahead of it, as the
// record this machine sends for it.
func (u *unconfirmed) carry(change []byte) []byte {
	if len(u.list) == 0 {
		return change
	}
	return append(u.raw(), change...)
}
