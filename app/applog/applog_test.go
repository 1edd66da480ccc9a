package applog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriterRotatesAndKeepsOldFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", FileName)
	w, err := NewWriter(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	line := strings.Repeat("x", 39) + "\n" // 40 bytes: two fit in 100, three do not
	for i := range 7 {
		if _, err := fmt.Fprintf(w, "%d%s", i, line[1:]); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{path: "6", path + ".1": "45", path + ".2": "23", path + ".3": ""} {
		b, err := os.ReadFile(name)
		if want == "" {
			if err == nil {
				t.Errorf("%s: kept, want only 2 old files", filepath.Base(name))
			}
			continue
		}
		var firsts string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			firsts += l[:1]
		}
		if firsts != want {
			t.Errorf("%s: got lines %q, want %q (%v)", filepath.Base(name), firsts, want, err)
		}
		if fi, err := os.Stat(name); err != nil || fi.Size() > 100 || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want at most 100 bytes, mode 0600", filepath.Base(name), fi, err)
		}
	}
}

func TestTailReachesIntoRotatedFiles(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.w.max = 200
	l.Now = func() time.Time { return time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC) }
	for i := range 20 {
		l.Logf("line %02d\nwith a break", i)
	}
	if _, err := os.Stat(l.Path() + ".1"); err != nil {
		t.Fatalf("no rotation happened: %v", err)
	}
	got, err := l.Tail(5)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 5 || lines[0] != "2027-01-02T03:04:05Z line 15 with a break" || !strings.HasPrefix(lines[4], "2027-01-02T03:04:05Z line 19") {
		t.Errorf("got %q, want lines 15 to 19, one line each", lines)
	}
	all, _ := l.Tail(1000)
	if n := strings.Count(all, "\n"); n < 5 || n > 20 {
		t.Errorf("the whole log has %d lines, want what the kept files hold", n)
	}
}

func TestDirIsBesideTheDataFolder(t *testing.T) {
	if got, want := DirFor("/home/ana/.local/share/pairwise/"), "/home/ana/.local/share/pairwise-logs"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
