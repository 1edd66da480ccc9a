package main

import (
	"context"
	"fmt"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// pair is one mentoring pair as two machines hold it: the writer created it
// and makes every measured edit, the reader joined it by invite.
type pair struct {
	id             string
	writer, reader *replica
	track          *tracker
}

// newPair creates a pair on w and joins it on r, both offline: the relay
// learns of it when their engines connect. The reader reaches the relay
// through its own configured address (W3 puts a byte-counting proxy there).
func newPair(w, r *replica) (*pair, error) {
	id, err := w.ws.NewPair("Load pair", "Writer", mentoring.Mentor)
	if err != nil {
		return nil, fmt.Errorf("create a pair: %w", err)
	}
	code, err := w.ws.Invite(id, false)
	if err != nil {
		return nil, fmt.Errorf("invite: %w", err)
	}
	if _, err := r.ws.Join(code, "Reader", mentoring.Mentee); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	if via := r.ws.Settings().Relay; via != "" {
		if err := r.ws.SetMeta(id, func(m *workspace.Meta) { m.Relay = via }); err != nil {
			return nil, err
		}
	}
	p := &pair{id: id, writer: w, reader: r, track: newTracker()}
	r.ws.Watch(func(doc string) {
		if doc != id {
			return
		}
		at := p.track.now() // first: the pair has just been applied
		if cur, err := r.ws.Applied(id); err == nil {
			p.track.observe(cur, at)
		}
	})
	return p, nil
}

// settled reports whether both machines hold the same log position of the
// pair, with the reader's membership in it and nothing waiting to be sent.
func (p *pair) settled() (bool, error) {
	wc, wp, err := p.writer.state(p.id)
	if err != nil {
		return false, err
	}
	rc, rp, err := p.reader.state(p.id)
	if err != nil {
		return false, err
	}
	// Record 1 creates the pair, record 2 is the reader joining it.
	return wc >= 2 && wc == rc && wp == 0 && rp == 0, nil
}

// waitSettled waits until the pair is settled and both engines say so.
func (p *pair) waitSettled(ctx context.Context) error {
	for {
		ok, err := p.settled()
		if err != nil {
			return err
		}
		if ok && p.writer.synced() && p.reader.synced() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pair %s did not settle: writer %s, reader %s: %w", p.id, p.writer.eng.Status(), p.reader.eng.Status(), ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// arm starts timing edits from here: the next edit the writer makes is edit
// 0 and takes the relay sequence after the current one. Only the writer
// edits from now on, and it pushes in order, so edit k is record base+k+1.
func (p *pair) arm(edits int) error {
	cur, _, err := p.reader.state(p.id)
	if err != nil {
		return err
	}
	p.track.arm(cur, edits)
	return nil
}

// edit makes edit k, timing it from just before the call.
func (p *pair) edit(k int) error {
	p.track.markSent(k)
	return p.writer.send(p.id, k)
}

// verify checks what the timing assumed: that the log holds exactly one
// record per timed edit, and that the reader's document holds every one of
// them (the cursor says the records were applied; this says they made it
// into the pair the UI shows).
func (p *pair) verify() error {
	if want, got := p.track.expected(); got != want {
		return fmt.Errorf("pair %s: the reader's cursor is at %d, want %d (one record per edit)", p.id, got, want)
	}
	doc, err := p.reader.ws.Pair(p.id)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(doc.Messages))
	for _, m := range doc.Messages {
		have[m.Text] = true
	}
	for k := range p.track.edits() {
		if !have[msgText(k)] {
			return fmt.Errorf("the reader's copy of pair %s lacks edit %d although its cursor passed it", p.id, k)
		}
	}
	return nil
}

// startWriter connects the writer and waits until the relay holds the pair,
// so the reader never subscribes to a pair the relay does not know yet.
func (p *pair) startWriter(ctx context.Context) error {
	p.writer.start()
	return waitFor(ctx, time.Minute, "writer registers the pair", func() (bool, error) {
		m, err := p.writer.ws.Meta(p.id)
		return m.Registered && p.writer.synced(), err
	})
}

// startReader connects the reader and waits until the pair is settled.
func (p *pair) startReader(ctx context.Context) error {
	p.reader.start()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return p.waitSettled(ctx)
}

// openPair opens a writer and a reader machine under the scratch folder,
// creates the pair, connects both and waits until it is settled. The
// reader syncs through readerURL, which may be a proxy in front of the relay.
func (e *env) openPair(ctx context.Context, name, writerURL, readerURL, token string) (*pair, error) {
	p, err := e.newOfflinePair(name, writerURL, readerURL, token)
	if err != nil {
		return nil, err
	}
	if err := p.startWriter(ctx); err != nil {
		p.close()
		return nil, err
	}
	if err := p.startReader(ctx); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// newOfflinePair opens the two machines and creates the pair, without
// connecting either.
func (e *env) newOfflinePair(name, writerURL, readerURL, token string) (*pair, error) {
	wd, err := e.clientDir(name, "writer")
	if err != nil {
		return nil, err
	}
	rd, err := e.clientDir(name, "reader")
	if err != nil {
		return nil, err
	}
	w, err := openReplica(wd, name+" writer", writerURL, token, e.memory, e.logf)
	if err != nil {
		return nil, err
	}
	r, err := openReplica(rd, name+" reader", readerURL, "", e.memory, e.logf)
	if err != nil {
		w.close()
		return nil, err
	}
	p, err := newPair(w, r)
	if err != nil {
		w.close()
		r.close()
		return nil, err
	}
	return p, nil
}

// close takes both machines offline and closes their data folders.
func (p *pair) close() {
	p.writer.close()
	p.reader.close()
}
