package crdt

import (
	"encoding/hex"
	"errors"
	"time"
)

// LastChanges returns, per member (MemberOf), the time of its latest change in the
// document. It reads the whole history: callers keep the result and bring
// it up to date with NoteChanges as changes arrive, instead of asking
// again.
func (d *Doc) LastChanges() (map[string]time.Time, error) {
	h, err := d.History()
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, e := range h {
		if m := MemberOf(e.Actor); e.Time.After(out[m]) {
			out[m] = e.Time
		}
	}
	return out, nil
}

// NoteChanges brings last (as LastChanges returns it) up to date with the
// change chunks in raw, as Commit returns them or ApplyChanges takes them.
// It reads only each change's header, never the document. Chunks that are
// not changes, and anything it cannot read, are passed over: raw has been
// checked by ApplyChanges before it gets here.
func NoteChanges(last map[string]time.Time, raw []byte) {
	_ = walkChunks(raw, func(_ int, typ byte, chunk []byte) error {
		if typ != chunkChange {
			return nil
		}
		body, _ := chunkBody(chunk)
		r := &leb{b: body}
		for i, n := uint64(0), r.uint(); i < n && r.err == nil; i++ {
			r.take(32) // a dependency
		}
		actor := r.take(r.uint())
		r.uint() // sequence number
		r.uint() // start op
		ms := r.sint()
		if r.err != nil || len(actor) == 0 {
			return nil
		}
		a, at := MemberOf(hex.EncodeToString(actor)), time.UnixMilli(ms)
		if at.After(last[a]) {
			last[a] = at
		}
		return nil
	})
}

// sint reads a signed LEB128 number.
func (r *leb) sint() int64 {
	if r.err != nil {
		return 0
	}
	var v int64
	for i := 0; i < len(r.b) && i < 10; i++ {
		c := r.b[i]
		v |= int64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			if shift := 7 * (i + 1); shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			r.b = r.b[i+1:]
			return v
		}
	}
	r.err = errors.New("bad or truncated number")
	return 0
}
