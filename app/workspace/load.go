package workspace

import (
	"fmt"

	"pairwise/app/crdt"
	"pairwise/app/store"
)

// load reads a document whole from the store into Automerge: the cost
// grows with its history (Counts.Loads counts them).
func (w *Workspace) load(meta Meta) (*crdt.Doc, error) {
	w.counts.loads.Add(1)
	snap, chunks, err := w.st.Load(meta.ID)
	if err != nil {
		return nil, err
	}
	actor, err := w.actor(meta)
	if err != nil {
		return nil, err
	}
	var doc *crdt.Doc
	if snap != nil {
		doc, err = crdt.Load(snap, actor)
	} else {
		doc, err = crdt.New(actor)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the saved copy of pair %s cannot be read (%v); move the data folder %s aside and sync the pair again from the relay", store.ErrCorrupt, meta.ID, err, w.st.Dir())
	}
	if doc, _, err = mergeChunks(doc, chunks); err != nil {
		return nil, fmt.Errorf("%w: in the saved copy of pair %s, %v; move the data folder %s aside and sync the pair again from the relay", store.ErrCorrupt, meta.ID, err, w.st.Dir())
	}
	return doc, nil
}

// actor is the Automerge actor this machine writes a document as: the
// member's ID, extended after a crash that may have lost changes the relay
// holds (store.DocState.Epoch), so a new change never takes a lost one's
// actor and number.
func (w *Workspace) actor(meta Meta) (string, error) {
	st, err := w.st.State(meta.ID)
	if err != nil {
		return "", err
	}
	return crdt.EpochActor(meta.Actor, st.Epoch), nil
}

// mergeChunks merges chunks into doc in order and returns the result (see
// mergeChunk) and the chunks as merged: each run of changes goes to
// Automerge in one call, far quicker than one call per edit, and comes
// back as one chunk. An error names the piece that could not be read.
func mergeChunks(doc *crdt.Doc, chunks []store.Chunk) (*crdt.Doc, []store.Chunk, error) {
	var merged []store.Chunk
	for i := 0; i < len(chunks); {
		j := i + 1
		if chunks[i].Kind == store.Changes {
			for j < len(chunks) && chunks[j].Kind == store.Changes {
				j++
			}
		}
		if j-i > 1 {
			run := store.Chunk{Kind: store.Changes, Data: concat(chunks[i:j])}
			if doc.ApplyChanges(run.Data) == nil {
				merged = append(merged, run)
				i = j
				continue
			}
		}
		for ; i < j; i++ { // one at a time, to name the piece that fails
			var err error
			if doc, err = mergeChunk(doc, chunks[i]); err != nil {
				return nil, nil, fmt.Errorf("piece %d cannot be read: %v", i, err)
			}
			merged = append(merged, chunks[i])
		}
	}
	return doc, merged, nil
}

func concat(chunks []store.Chunk) []byte {
	n := 0
	for _, c := range chunks {
		n += len(c.Data)
	}
	b := make([]byte, 0, n)
	for _, c := range chunks {
		b = append(b, c.Data...)
	}
	return b
}

// mergeChunk merges a stored or received chunk into doc and returns the
// result, which for a whole document may be a new one (see
// crdt.MergeSavedInto).
func mergeChunk(doc *crdt.Doc, c store.Chunk) (*crdt.Doc, error) {
	if c.Kind == store.Document {
		return crdt.MergeSavedInto(doc, c.Data)
	}
	return doc, doc.ApplyChanges(c.Data)
}
