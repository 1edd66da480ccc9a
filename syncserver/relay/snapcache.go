package relay

import (
	"pairwise/shared/wire"
)

// snapFrame is a document's snapshot, read and encoded once and shared by
// every subscriber that needs it: a hundred subscribers catching up cost
// one copy of the snapshot, not a hundred.
type snapFrame struct {
	want  uint64        // the snapshot sequence it was loaded for
	done  chan struct{} // closed once loaded
	seq   uint64        // the sequence it holds (0: no snapshot)
	frame []byte
	err   error
}

// snapshotFrame returns the encoded frame of d's current snapshot. The
// first caller for a snapshot reads and encodes it; others wait for it.
// The writer drops the cached frame when it stores a newer snapshot, and a
// frame older than the document's snapshot is never served.
func (s *Server) snapshotFrame(d *docState) (*snapFrame, error) {
	defer s.m.snapshotsServed.Inc()
	d.mu.Lock()
	want := d.meta.SnapSeq
	f := d.snap
	if f != nil && f.want >= want {
		d.mu.Unlock()
		<-f.done
		return f, f.err // a failed load is not kept, so a retry reads again
	}
	f = &snapFrame{want: want, done: make(chan struct{})}
	d.snap = f
	d.mu.Unlock()

	defer close(f.done)
	f.seq, f.frame, f.err = s.encodeSnapshot(d.id)
	if f.err != nil {
		d.mu.Lock()
		if d.snap == f {
			d.snap = nil
		}
		d.mu.Unlock()
	}
	return f, f.err
}

// storedSnapshotFrame reads the stored snapshot, which over a shared store
// another instance may have replaced before this one heard, and keeps it
// as the cached frame if it is newer.
func (s *Server) storedSnapshotFrame(d *docState) (*snapFrame, error) {
	f := &snapFrame{done: make(chan struct{})}
	defer close(f.done)
	f.seq, f.frame, f.err = s.encodeSnapshot(d.id)
	if f.err != nil {
		return f, f.err
	}
	f.want = f.seq
	d.mu.Lock()
	if d.snap == nil || d.snap.want < f.want {
		d.snap = f
	}
	d.mu.Unlock()
	return f, nil
}

func (s *Server) encodeSnapshot(id wire.DocID) (uint64, []byte, error) {
	snap, err := s.store.Snapshot(id)
	if err != nil || snap.Seq == 0 {
		return 0, nil, err
	}
	s.m.snapshotEncodes.Inc()
	frame, err := wire.Encode(&wire.Snapshot{Doc: id, Seq: snap.Seq, Body: snap.Body, Device: snap.Device, Sig: snap.Sig})
	return snap.Seq, frame, err
}
