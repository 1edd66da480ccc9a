package syncclient

import "pairwise/shared/wire"

// Early records: the relay sends live records as soon as it has numbered
// them, while its disk works, and a Durable notice once they are stored
// (wire.Subscribe.Early). They are verified, opened and merged at once, so
// the person sees a partner's edit without waiting for two disks; the
// cursor moves only with Durable, because a record the relay loses may
// have its number taken by another, which must then be fetched.

// earlyRec is a record merged early, waiting for the relay to store it.
type earlyRec struct {
	seq     uint64
	hash    string   // the last change of this device's own record, else ""
	changes []string // the changes of a partner's record (Workspace.Stored)
}

func (s *session) onEarly(d *docSync, m *wire.Records) error {
	from := max(d.cursor, d.earlyHigh)
	items, marks, last, err := s.open(d, m.Recs, from)
	if err != nil || last == from {
		return err
	}
	d.early = append(d.early, marks...)
	if err := s.e.ws.ApplyEarly(d.id, items, last); err != nil {
		return refused(d, err)
	}
	d.earlyHigh = last
	return nil
}

// onDurable moves the cursor over the early records the relay has stored.
func (s *session) onDurable(m *wire.Durable) error {
	d := s.docs[m.Doc]
	if d == nil {
		return nil
	}
	// Only as far as what was sent: a relay that says it stored records
	// it never sent is holding them back, and the cursor must not pass
	// them (freeze.go tells the person if it goes on).
	upto := min(m.Seq, d.earlyHigh)
	if upto <= d.cursor {
		return nil
	}
	n := 0
	var changes []string
	for n < len(d.early) && d.early[n].seq <= upto {
		d.remember(d.early[n].seq, d.early[n].hash)
		changes = append(changes, d.early[n].changes...)
		n++
	}
	d.early = append(d.early[:0], d.early[n:]...)
	s.e.ws.Stored(d.id, upto, changes)
	d.cursor = upto
	return nil
}
