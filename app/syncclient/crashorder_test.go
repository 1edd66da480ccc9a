package syncclient

import (
	"fmt"
	"strings"
	"testing"
)

// After a crash that lost changes the relay holds, the changes made since
// reach the partner in order, however many there are: under unsure numbers
// the engine sends one at a time until the relay's answer settles the
// numbering (sent as one pipeline, the relay would answer the first as a
// replay of a lost change but take the next ones as new, ahead of the
// first, which the partner's app could never merge).
func TestChangesMadeAfterACrashReachThePartnerInOrder(t *testing.T) {
	for _, c := range []struct{ lost, made int }{{1, 2}, {3, 6}} {
		t.Run(fmt.Sprintf("lost%d_made%d", c.lost, c.made), func(t *testing.T) {
			r := startRelay(t)
			a, b := newReplica(t, r), newReplica(t, r)
			pair := pairOf(t, a, b, false)
			a.addGoal(pair, "kept before the crash")
			a.mustSync()

			img := t.TempDir()
			copyTree(t, a.ws.Dir(), img) // the disk as a power cut leaves it
			for i := 0; i < c.lost; i++ {
				a.addGoal(pair, fmt.Sprintf("lost %d", i))
			}
			a.mustSync() // the relay has them
			a.ws.Close()

			a2 := openImage(t, img)
			for i := 0; i < c.made; i++ {
				a2.addGoal(pair, fmt.Sprintf("made after %d", i))
			}
			var serr error
			for i := 0; i < 3; i++ { // a few one-off syncs, as a person would retry
				if serr = a2.sync(); serr == nil {
					break
				}
			}
			if err := b.sync(); err != nil {
				t.Fatalf("the partner cannot take what the crashed machine sent (its own syncs: %v): %v", serr, err)
			}
			if serr != nil {
				t.Fatalf("the crashed machine's syncs keep failing: %v", serr)
			}
			got, want := a2.json(pair), b.json(pair)
			for i := 0; i < c.made; i++ {
				g := fmt.Sprintf("made after %d", i)
				if strings.Count(got, g) != 1 || strings.Count(want, g) != 1 {
					t.Fatalf("goal %q: %d times here, %d on the partner's", g, strings.Count(got, g), strings.Count(want, g))
				}
			}
		})
	}
}
