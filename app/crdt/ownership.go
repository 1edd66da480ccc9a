package crdt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/automerge/automerge-go"
)

// LastChangeHash returns the hash of the last change chunk in raw (change
// bytes as Commit returns them, one or several concatenated), or "" if raw
// holds none. A change's hash is SHA-256 over its chunk from the type byte
// on; the sync engine uses it to check that a snapshot holds what this
// device wrote, without loading anything.
func LastChangeHash(raw []byte) string {
	var last []byte
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
			last = sum[:]
		}
		off += end
	}
	if last == nil {
		return ""
	}
	return hex.EncodeToString(last)
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
