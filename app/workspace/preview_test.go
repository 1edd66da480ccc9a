package workspace

import (
	"reflect"
	"sync/atomic"
	"testing"

	"pairwise/app/mentoring"
)

// TestAPairIsShownFromItsViewUntilLoaded: after a restart, a compacted
// pair reads and lists from its view while its load is still held up,
// exactly as it reads once loaded; an edit waits for the load and is seen
// by the next read; a pair changed since its snapshot is not shown from a
// view at all.
func TestAPairIsShownFromItsViewUntilLoaded(t *testing.T) {
	dir := t.TempDir()
	ws, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	pair := yearLongPair(t, ws)
	changed, err := ws.NewPair("Changed since", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	sendMessages(t, ws, changed, compactChunks+1)
	if err := ws.Close(); err != nil { // compacts both, with their views
		t.Fatal(err)
	}
	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	sendMessages(t, ws, changed, 1)
	wantChanged, err := ws.Pair(changed)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	wantList, err := ws.List()
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}

	release := make(chan struct{})
	var loads atomic.Int64
	ws, err = OpenWith(dir, Options{Logf: t.Logf, beforeLoad: func(id string) {
		if id == pair {
			loads.Add(1)
			<-release
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	got, err := ws.Pair(pair) // the load it starts is held
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the pair from its view differs from the pair loaded:\ngot  %+v\nwant %+v", got, want)
	}
	list, err := ws.List()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(list, wantList) {
		t.Fatalf("list from the views: got %+v, want %+v", list, wantList)
	}
	if p, err := ws.Pair(changed); err != nil || !reflect.DeepEqual(p, wantChanged) {
		t.Fatalf("the pair changed since its snapshot: got %d messages (%v), want %d", len(p.Messages), err, len(wantChanged.Messages))
	}

	close(release)
	sendMessages(t, ws, pair, 1) // waits for the load
	after, err := ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Messages) != len(want.Messages)+1 {
		t.Fatalf("after an edit: %d messages, want %d", len(after.Messages), len(want.Messages)+1)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("the pair was loaded %d times, want once", n)
	}
}
