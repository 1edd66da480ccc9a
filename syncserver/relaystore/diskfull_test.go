package relaystore

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"pairwise/shared/wire"
)

// TestFullDiskRefusesInsteadOfCrashing fills a small tmpfs (root only, as
// in CI) until a commit is refused, and checks that the refusal is an error
// rather than a crash, and that every commit that returned is there after a
// reopen.
func TestFullDiskRefusesInsteadOfCrashing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; CI runs as root")
	}
	dir := filepath.Join(t.TempDir(), "small")
	os.Mkdir(dir, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	defer exec.Command("umount", "-l", dir).Run()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := OpenBadger(filepath.Join(dir, "store"), log)
	if err != nil {
		t.Fatal(err)
	}
	var doc wire.DocID
	doc[0] = 7
	if err := st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: {}}}); err != nil {
		t.Fatal(err)
	}
	ballast, _ := os.Create(filepath.Join(dir, "ballast"))
	buf := make([]byte, 1<<20)
	var n int64
	for {
		w, err := ballast.Write(buf)
		n += int64(w)
		if err != nil {
			break
		}
	}
	ballast.Truncate(n - MinFree - 4<<20)
	ballast.Close()

	body := bytes.Repeat([]byte{0xAB}, 32<<10)
	var seq uint64
	var full error
	for seq < 100000 {
		rec := wire.Record{Seq: seq + 1, DSeq: seq + 1, Body: body}
		if err := st.Commit(Batch{Entries: []Entry{{Doc: doc, Rec: rec}}}); err != nil {
			full = err
			break
		}
		seq++
	}
	if !errors.Is(full, ErrDiskFull) || seq == 0 {
		t.Fatalf("after %d commits: %v; want ErrDiskFull", seq, full)
	}
	st.Close()
	os.Remove(filepath.Join(dir, "ballast"))
	st, err = OpenBadger(filepath.Join(dir, "store"), log)
	if err != nil {
		t.Fatalf("reopen after a full disk: %v", err)
	}
	defer st.Close()
	d, err := st.Doc(doc)
	if err != nil || d.Head != seq {
		t.Fatalf("after reopening, head %d (%v); %d commits had returned", d.Head, err, seq)
	}
	got := 0
	for from := uint64(0); from < seq; {
		recs, err := st.Read(doc, from, 512, 8<<20)
		if err != nil || len(recs) == 0 {
			t.Fatalf("reading from %d: %v", from, err)
		}
		got += len(recs)
		from = recs[len(recs)-1].Seq
	}
	if got != int(seq) {
		t.Fatalf("read back %d records, want %d", got, seq)
	}
}
