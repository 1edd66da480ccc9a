package syncclient

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pairwise/app/workspace"
)

// copyTree copies an open data folder as a process killed at this moment
// would leave it: every write made, synced or not, and no clean close.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if e.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		if e.Name() == "LOCK" {
			return nil // the running process's lock
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openImage opens a copied data folder (copyTree) as the machine it came
// from, restarted.
func openImage(t *testing.T, dir string) *replica {
	t.Helper()
	ws, err := workspace.Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &replica{t: t, ws: ws}
}

// The engine sends a change while its write is still going to disk. If the
// machine then loses the write (here: it comes back from an image taken
// before that change, as a power cut would leave it), the relay holds a
// change of this device that the device lacks, under a number it would
// give to its next change. Nothing is lost and nothing is mistaken for a
// restored copy: the next start knows the numbers it had reserved are
// unsure and writes as a new Automerge actor, the engine numbers its new
// changes after the relay's, and the lost change comes back and is applied.
func TestChangeSentBeforeACrashComesBack(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	a.addGoal(pair, "kept before the crash")
	a.mustSync()

	img := t.TempDir()
	copyTree(t, a.ws.Dir(), img) // the disk as a power cut would leave it
	a.addGoal(pair, "sent, then lost with the disk")
	a.mustSync() // the relay has it
	before, err := a.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	a.ws.Close()

	a2 := openImage(t, img)
	st, err := a2.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	if st.Epoch != 1 || !st.Unsure(st.NextDSeq) || st.NextDSeq >= before.NextDSeq {
		t.Fatalf("after the crash the pair's state is %+v (before it %+v): want a new epoch and the lost number unsure", st, before)
	}
	if strings.Contains(a2.json(pair), "sent, then lost") {
		t.Fatal("the image holds the change it should have lost: the scenario did not happen")
	}

	a2.addGoal(pair, "made after the crash")
	a2.mustSync()
	b.mustSync()
	got, want := a2.json(pair), b.json(pair)
	for _, g := range []string{"kept before the crash", "sent, then lost with the disk", "made after the crash"} {
		if strings.Count(got, g) != 1 || strings.Count(want, g) != 1 {
			t.Fatalf("goal %q: %d times on the crashed machine, %d on the partner's, want once on each", g, strings.Count(got, g), strings.Count(want, g))
		}
	}
	if got != want {
		t.Fatalf("the two copies differ after syncing:\ncrashed: %s\npartner: %s", got, want)
	}
	if st, _ := a2.ws.SyncState(pair); st.Pending() != 0 || st.Acked < before.NextDSeq {
		t.Fatalf("after syncing: %+v; want the new change acknowledged under a number after the lost one", st)
	}
}
