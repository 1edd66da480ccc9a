package syncclient

import (
	"errors"
	"fmt"
	"time"
)

// A relay can stop forwarding a pair's new records to one device and still
// answer everything else, so the device goes on saying "All changes
// synced". Two things give it away here. The relay numbers each record
// this device pushes (the Ack), and the record must then come back with
// the others: if, caught up and connected, this device waits for its own
// acknowledged records for HeldAfter, the status says so (Withheld). And
// each app says in the pair document when it last synced (see
// workspace.Present), so a relay that echoes this device's records but
// holds back the partner's shows as a partner gone quiet.

// DefaultHeldAfter is how long an engine waits for its own acknowledged
// records to come back before it says the relay is holding them back.
const DefaultHeldAfter = 2 * time.Minute

// presenceCheck is how often a running engine checks whether a caught-up
// pair is due to hear from this app again (mentoring.PresenceEvery).
const presenceCheck = time.Hour

// ErrWithheld is returned by SyncOnce when the relay acknowledged changes
// from this computer but did not send them back within HeldAfter.
var ErrWithheld = errors.New("the relay is holding back changes")

// heldError is ErrWithheld with the sentence that says which pair and what
// to do.
type heldError string

func (e heldError) Error() string        { return string(e) }
func (e heldError) Is(target error) bool { return target == ErrWithheld }

// heldMark is how long a pair has waited for its own records: since when,
// and the highest of them acknowledged then.
type heldMark struct {
	since time.Time
	seq   uint64
}

// watch holds the session's timers for what has to be looked at although
// nothing arrives: a relay holding records back sends nothing.
type watch struct {
	held     *time.Timer
	presence <-chan time.Time // nil in a one-off sync
	stop     func()
}

func (s *session) startWatch(once bool) {
	s.watch.held = time.NewTimer(time.Hour)
	s.watch.held.Stop()
	s.watch.stop = func() { s.watch.held.Stop() }
	if !once {
		t := time.NewTicker(presenceCheck)
		s.watch.presence = t.C
		s.watch.stop = func() { s.watch.held.Stop(); t.Stop() }
	}
}

// withheld says, in plain words, which pair has waited longest past
// HeldAfter for its own acknowledged records to come back; "" if none has.
// While one is still within HeldAfter, it arms the held timer so the loop
// looks again when that runs out. The wait starts again whenever the
// records that were missing come back, so a long stream of pushes whose
// records come back as they should never counts as held.
func (s *session) withheld() string {
	after := s.e.opts.HeldAfter
	now := time.Now()
	var worst *docSync
	next := time.Duration(-1)
	for _, d := range s.docs {
		if !d.caughtUp || d.cursor >= d.maxOwnSeq {
			d.held = heldMark{}
			continue
		}
		if d.held.since.IsZero() || d.cursor >= d.held.seq {
			d.held = heldMark{since: now, seq: d.maxOwnSeq}
		}
		if wait := d.held.since.Add(after).Sub(now); wait > 0 {
			if next < 0 || wait < next {
				next = wait
			}
			continue
		}
		if worst == nil || d.held.since.Before(worst.held.since) {
			worst = d
		}
	}
	if next > 0 {
		s.watch.held.Reset(next)
	}
	if worst == nil {
		return ""
	}
	return fmt.Sprintf("The relay took %s to %s from this computer but has not sent them back for %s: it may be holding back your partner's changes too. Ask the relay's admin.",
		changes(uint64(unreturned(worst))), name(worst), span(now.Sub(worst.held.since)))
}

// unreturned counts this device's acknowledged records of d that have not
// come back (at least one: it is asked only when some have not).
func unreturned(d *docSync) int {
	seen := map[uint64]bool{}
	for _, o := range d.own {
		if o.seq > d.cursor {
			seen[o.seq] = true
		}
	}
	return max(1, len(seen))
}

// span says a duration the way a person would: "40 seconds", "5 minutes",
// "3 hours".
func span(d time.Duration) string {
	unit, n := "second", int(d.Seconds())
	switch {
	case d >= 2*time.Hour:
		unit, n = "hour", int(d.Hours())
	case d >= time.Minute:
		unit, n = "minute", int(d.Minutes())
	}
	if n <= 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// present writes this app's presence into a caught-up pair when it is due
// (workspace.Present); the change is pushed like any edit. Failing only
// delays it, so it is logged.
func (s *session) present(d *docSync) {
	if d.meta.Kind != "" || d.meta.ReadOnly() || !d.caughtUp {
		return
	}
	if _, err := s.e.ws.Present(d.id); err != nil {
		s.e.logf("sync: %s: record that this app synced it: %v", logName(d), err)
	}
}
