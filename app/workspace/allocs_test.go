package workspace

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// heapWork is what some operations cost the Go heap: bytes and objects
// allocated, and Automerge results left to finalizers (each result of a
// cgo call is freed by one, and after a collection they all run one after
// another on the collector's heels).
type heapWork struct{ bytes, objects, finalizers float64 }

func measureHeap(n int, ops func()) heapWork {
	sample := []metrics.Sample{{Name: "/gc/finalizers/queued:finalizers"}}
	read := func() (runtime.MemStats, uint64) {
		runtime.GC() // queues the finalizers of what the operations left
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		metrics.Read(sample)
		return m, sample[0].Value.Uint64()
	}
	m0, f0 := read()
	ops()
	m1, f1 := read()
	return heapWork{
		bytes:      float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n),
		objects:    float64(m1.Mallocs-m0.Mallocs) / float64(n),
		finalizers: float64(f1-f0) / float64(n),
	}
}

// TestAnEditAndAReceivedChangeAllocateLittle guards the garbage each edit
// and each change from the partner leaves: the clients' collections, and
// the Automerge results freed after each, set W1's p99 (README,
// Performance). Counted, not timed; the bounds leave about half as much
// again as today's cost, so work added per edit (another encoding of the
// change, a read of the whole pair) fails it.
func TestAnEditAndAReceivedChangeAllocateLittle(t *testing.T) {
	const n = 200
	// No idle compaction in either window (the pair passes its threshold
	// of chunks here): a disk sync slower than CompactIdle would put one
	// there, which is not work per edit.
	ws, id := openPairWith(t, t.TempDir(), "Counted", Options{Logf: t.Logf, CompactIdle: time.Hour})
	t.Cleanup(func() { ws.Close() })
	sendMessages(t, ws, id, 20) // past the first edits' one-off work
	edit := measureHeap(n, func() { sendMessages(t, ws, id, n) })

	changes := partnerMessages(t, partnerOf(t, ws, id), n)
	st, _ := ws.st.State(id)
	received := measureHeap(n, func() {
		for i, ch := range changes {
			if err := ws.ApplyEarly(id, []Remote{ch}, st.Cursor+uint64(i)+1); err != nil {
				t.Fatal(err)
			}
		}
		ws.SettleSaves()
	})
	got, _ := ws.Pair(id)
	if len(got.Messages) < 20+2*n {
		t.Fatalf("the pair holds %d messages, want %d: the scenario did not happen", len(got.Messages), 20+2*n)
	}
	t.Logf("per edit: %.0f bytes, %.0f objects, %.1f Automerge results; per received change: %.0f bytes, %.0f objects, %.1f results",
		edit.bytes, edit.objects, edit.finalizers, received.bytes, received.objects, received.finalizers)
	for _, c := range []struct {
		what  string
		got   heapWork
		limit heapWork
	}{
		// Today (objects and results are steady; bytes move with Badger's
		// background work, more so under the race detector, so their bound
		// leaves room for one of its table builds in the window): an edit
		// 6.8-7.6 KB, 184-190 objects, 6-7 results; a received change
		// 5.5-11.7 KB, 81-88 objects, 4-5 results. Reading the whole pair once costs
		// thousands of objects and hundreds of KB at this length.
		{"an edit", edit, heapWork{bytes: 48 << 10, objects: 300, finalizers: 10}},
		{"a received change", received, heapWork{bytes: 48 << 10, objects: 130, finalizers: 7}},
	} {
		if c.got.bytes > c.limit.bytes || c.got.objects > c.limit.objects || c.got.finalizers > c.limit.finalizers {
			t.Errorf("%s costs %.0f bytes in %.0f objects and leaves %.1f Automerge results, want at most %.0f, %.0f and %.1f",
				c.what, c.got.bytes, c.got.objects, c.got.finalizers, c.limit.bytes, c.limit.objects, c.limit.finalizers)
		}
	}
}
