package crdt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/automerge/automerge-go"
)

// Change is one change chunk cut out of raw change bytes, with its hash.
type Change struct {
	Hash string
	Raw  []byte
}

// SplitChanges cuts raw change bytes (as Commit returns them, one or
// several concatenated) into their change chunks, in order, each with its
// hash: SHA-256 over the chunk from the type byte on. It reads only the
// chunk headers and stops at anything it cannot frame.
func SplitChanges(raw []byte) []Change {
	var out []Change
	for off := 0; off < len(raw); {
		rest := raw[off:]
		if len(rest) < 10 || !bytes.Equal(rest[:4], chunkMagic) {
			break
		}
		n, k := binary.Uvarint(rest[9:])
		if k <= 0 || n > uint64(len(rest)-9-k) {
			break
		}
		end := 9 + k + int(n)
		if rest[8] == chunkChange {
			sum := sha256.Sum256(rest[8:end])
			out = append(out, Change{Hash: hex.EncodeToString(sum[:]), Raw: rest[:end:end]})
		}
		off += end
	}
	return out
}

// LastChangeHash returns the hash of the last change chunk in raw, or ""
// if raw holds none (see SplitChanges). The sync engine uses it to check
// that a snapshot holds what this device wrote, without loading anything.
func LastChangeHash(raw []byte) string {
	chs := SplitChanges(raw)
	if len(chs) == 0 {
		return ""
	}
	return chs[len(chs)-1].Hash
}

// OwnMissingSince lists the changes by member (under any of its actors,
// see MemberOf) that d has and a document
// whose heads are heads lacks. It reports false when one of those heads is
// a change d has not seen, so the question cannot be answered from d.
func (d *Doc) OwnMissingSince(heads []string, member string) ([]string, bool) {
	hs := make([]automerge.ChangeHash, len(heads))
	for i, h := range heads {
		ch, err := automerge.NewChangeHash(h)
		if err != nil {
			return nil, false
		}
		if _, err := d.am.Change(ch); err != nil {
			return nil, false
		}
		hs[i] = ch
	}
	chs, err := d.am.Changes(hs...)
	if err != nil {
		return nil, false
	}
	var out []string
	for _, c := range chs {
		if MemberOf(c.ActorID()) == member {
			out = append(out, c.Hash().String())
		}
	}
	return out, true
}

// CoveredBy returns a test of whether a change is in the history of heads
// (changes d has): after a snapshot with those heads was merged, the
// changes it covers. It reports false when heads cannot be read from d.
func (d *Doc) CoveredBy(heads []string) (func(hash string) bool, bool) {
	hs := make([]automerge.ChangeHash, len(heads))
	for i, h := range heads {
		ch, err := automerge.NewChangeHash(h)
		if err != nil {
			return nil, false
		}
		hs[i] = ch
	}
	since, err := d.am.Changes(hs...)
	if err != nil {
		return nil, false
	}
	after := make(map[string]bool, len(since))
	for _, c := range since {
		after[c.Hash().String()] = true
	}
	return func(hash string) bool {
		if after[hash] {
			return false
		}
		ch, err := automerge.NewChangeHash(hash)
		if err != nil {
			return false
		}
		_, err = d.am.Change(ch)
		return err == nil
	}, true
}
