package crdt

import (
	"fmt"
	"time"
)

// Entry is one change in a document's history.
type Entry struct {
	// Hash is the change's hash in hex: its ID, which At takes.
	Hash    string
	Actor   string
	Seq     uint64
	Message string
	Time    time.Time
}

// History lists every change of the document in causal order. Each user
// action is one change, so this is the pair's activity feed.
func (d *Doc) History() ([]Entry, error) {
	chs, err := d.am.Changes()
	if err != nil {
		return nil, fmt.Errorf("crdt: read history: %w", err)
	}
	out := make([]Entry, 0, len(chs))
	for _, c := range chs {
		out = append(out, Entry{Hash: c.Hash().String(), Actor: c.ActorID(), Seq: c.ActorSeq(), Message: c.Message(), Time: c.Timestamp()})
	}
	return out, nil
}
