package workspace

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// smallDisk mounts a 96 MB filesystem (a tmpfs) for the test, which a
// test fills to see what a full disk does. It needs root, as CI has; the
// test is skipped without it.
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; CI runs as root")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestFullDiskLosesNothingSaved fills a small real filesystem (a tmpfs; it
// needs root, as CI has) until an edit fails, checks the failure says what
// to do, then frees space and checks that every edit reported saved is still
// there after a reopen and that editing works again.
func TestFullDiskLosesNothingSaved(t *testing.T) {
	dir := smallDisk(t)
	data := filepath.Join(dir, "data")

	ws, err := Open(data, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Full disk", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	// Leave little room: a ballast file takes most of what is free.
	ballast := filepath.Join(dir, "ballast")
	fillDisk(t, ballast, store.MinFree+2<<20)

	var saved []string
	var fullErr error
	big := strings.Repeat("notes that take some room ", 400) // ~10 KB per edit
	for i := 0; i < 5000 && fullErr == nil; i++ {
		title := "goal " + itoa(i)
		_, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title, Why: &big}, ws.Now())
		})
		if err != nil {
			fullErr = err
			break
		}
		saved = append(saved, title)
	}
	if fullErr == nil {
		t.Fatal("the disk never filled up; the test proves nothing")
	}
	if !errors.Is(fullErr, store.ErrDiskFull) || !strings.Contains(fullErr.Error(), "Free some space") || len(saved) == 0 {
		t.Fatalf("a full disk gave %v; want ErrDiskFull telling the user to free space", fullErr)
	}
	t.Logf("%d edits saved before the disk filled: %v", len(saved), fullErr)

	os.Remove(ballast)
	ws.Close()
	ws, err = Open(data, t.Logf)
	if err != nil {
		t.Fatalf("reopening after the disk filled: %v", err)
	}
	defer ws.Close()
	p, err := ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, g := range p.Goals {
		have[g.Title] = true
	}
	for _, s := range saved {
		if !have[s] {
			t.Fatalf("%q was reported saved and is gone after the disk filled", s)
		}
	}
	title := "after freeing space"
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, ws.Now())
	}); err != nil {
		t.Fatalf("editing after space was freed: %v", err)
	}
}

// fillDisk writes a file until the filesystem is full, then shrinks it to
// leave roughly room bytes free.
func fillDisk(t *testing.T, path string, room int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var n int64
	for {
		w, err := f.Write(buf)
		n += int64(w)
		if err != nil {
			break
		}
	}
	if err := f.Truncate(max(0, n-room)); err != nil {
		t.Fatal(err)
	}
	f.Sync()
}

func itoa(i int) string { return strconv.Itoa(i) }
