package relay

import (
	"testing"

	"pairwise/shared/wire"
)

// TestPartnersGetEarlyRecordsBeforeTheirAuthors: a device that pushed a
// record gets it back only to keep its cursor whole, while its partner is
// waiting to show it, so the partners' frames are queued first (the
// subscribers are kept in a map, whose order is random). Subscribers that
// did not ask for early records get none.
func TestPartnersGetEarlyRecordsBeforeTheirAuthors(t *testing.T) {
	author, partner, other := wire.DeviceID{1}, wire.DeviceID{2}, wire.DeviceID{3}
	conns := map[string]*conn{
		"author":             {device: author},
		"author's laptop":    {device: author},
		"partner":            {device: partner},
		"manager":            {device: other},
		"partner, not early": {device: partner},
	}
	name := map[*conn]string{}
	d := &docState{subs: map[*conn]*sub{}}
	for n, c := range conns {
		name[c] = n
		d.subs[c] = &sub{early: n != "partner, not early", live: true}
	}
	recs := []wire.Record{{Seq: 7, Device: author, DSeq: 3}}
	for range 50 { // map order differs from run to run
		order := d.earlyOrder(recs)
		var got []string
		for _, c := range order {
			got = append(got, name[c])
		}
		if len(got) != 4 {
			t.Fatalf("delivered to %q, want the four early subscribers", got)
		}
		for i, n := range got {
			isAuthor := n == "author" || n == "author's laptop"
			if isAuthor != (i >= 2) {
				t.Fatalf("delivered in the order %q, want the partners before the author's connections", got)
			}
		}
	}
}
