package relay

import (
	"testing"
	"time"

	io_prometheus_client "github.com/prometheus/client_model/go"

	"pairwise/shared/wire"
)

// The delivery histogram times each live delivery of a record, from the
// push's arrival to its frame being written to a subscriber: one for each
// subscriber, none for acknowledgements or Durable notices, and the ones
// after the commit count the commit's time. (It is how the load tool tells
// the relay's share of a latency from its own.)
func TestEachLiveDeliveryIsTimedFromThePushsArrival(t *testing.T) {
	r, held, a, d, early, plain := startEarlyTrio(t)
	hist := func() *io_prometheus_client.Histogram {
		var m io_prometheus_client.Metric
		if err := r.srv.m.delivery.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetHistogram()
	}
	if n := hist().GetSampleCount(); n != 0 {
		t.Fatalf("%d deliveries timed before any push", n)
	}

	const hold = 50 * time.Millisecond
	held.hold = make(chan bool)
	req := a.push(d.id, 1, "timed")
	if m, ok := early.next().(*wire.Records); !ok || !m.Early {
		t.Fatalf("the early subscriber got %#v, want the record early", m)
	}
	time.Sleep(hold) // the commit takes at least this long
	held.hold <- true
	a.expectAck(req)
	if got, ok := early.next().(*wire.Durable); !ok || got.Seq != 1 {
		t.Fatalf("the early subscriber got %#v, want Durable up to 1", got)
	}
	if got := plain.readRecords(1); got[0].Seq != 1 {
		t.Fatalf("the plain subscriber got %+v", got)
	}

	// Three deliveries: early, and after the commit to the plain reader
	// and to the writer, which follows the document too (its record came
	// before its ack). The relay times a frame once it is written, which
	// may be just after the client read it.
	h := hist()
	for deadline := time.Now().Add(10 * time.Second); h.GetSampleCount() < 3 && time.Now().Before(deadline); h = hist() {
		time.Sleep(time.Millisecond)
	}
	if n := h.GetSampleCount(); n != 3 {
		t.Fatalf("%d deliveries timed, want 3 (one per subscriber)", n)
	}
	if h.GetSampleSum() < 2*hold.Seconds() {
		t.Fatalf("the deliveries took %.3f s together, but the two after the commit took at least %v each", h.GetSampleSum(), hold)
	}
	below := uint64(0)
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() < hold.Seconds() {
			below = b.GetCumulativeCount()
		}
	}
	if below > 1 {
		t.Fatalf("%d deliveries timed under %v, but only the early one came before the commit", below, hold)
	}
}
