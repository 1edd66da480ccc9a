package workspace

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"pairwise/app/mentoring"
)

// PrivateNote is a note one member keeps for themselves about a pair. It
// lives only in this data folder: it is not part of the pair document, so
// it is never sealed, pushed to the relay, put in an invite or exported to
// the partner.
type PrivateNote struct {
	ID   string    `json:"id"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// AddPrivateNote saves a private note about a pair, durably, and returns its ID.
func (w *Workspace) AddPrivateNote(pair, text string) (string, error) {
	if h, err := w.get(pair); err != nil {
		return "", err
	} else if h.kind != "" {
		return "", w.notAPair(pair)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", mentoring.Invalidf("the note is empty: type something to keep")
	}
	if len(text) > 20000 {
		return "", mentoring.Invalidf("the note is too long (%d characters); keep it under 20000", len(text))
	}
	now := w.Now().UTC()
	// IDs sort by time, so notes list in the order they were written.
	id := fmt.Sprintf("%016x-%s", now.UnixNano(), randomHex(4))
	b, err := json.Marshal(PrivateNote{ID: id, Text: text, At: now})
	if err != nil {
		return "", err
	}
	if err := w.st.PutPrivate(pair, id, b); err != nil {
		return "", err
	}
	w.notify(pair)
	return id, nil
}

// DeletePrivateNote removes one of your private notes.
func (w *Workspace) DeletePrivateNote(pair, id string) error {
	if err := w.st.DeletePrivate(pair, id); err != nil {
		return err
	}
	w.notify(pair)
	return nil
}

// PrivateNotes lists your private notes about a pair, oldest first.
func (w *Workspace) PrivateNotes(pair string) ([]PrivateNote, error) {
	raw, err := w.st.Private(pair)
	if err != nil {
		return nil, err
	}
	out := make([]PrivateNote, 0, len(raw))
	for _, b := range raw {
		var n PrivateNote
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, fmt.Errorf("a private note of pair %s is damaged: %w", pair, err)
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
