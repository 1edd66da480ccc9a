package badgertidy

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestRemoveEmptyLogsKeepsEverythingElse(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"00001.mem": nil, "000002.vlog": nil, // left by a crash
		"00003.mem": []byte("x"), "000004.vlog": []byte("x"), "MANIFEST": nil, "000005.sst": nil,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveEmptyLogs(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	if !slices.Equal(removed, []string{"000002.vlog", "00001.mem"}) {
		t.Errorf("removed %v", removed)
	}
	for name := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone := os.IsNotExist(err); gone != slices.Contains(removed, name) {
			t.Errorf("%s: gone=%v", name, gone)
		}
	}
	if r, err := RemoveEmptyLogs(filepath.Join(dir, "missing")); err != nil || r != nil {
		t.Errorf("a folder that does not exist yet: %v, %v", r, err)
	}
}

// TestNothingIsRemovedWhileTheFolderIsInUse: a running Badger holds the
// folder's lock, and its newest log may be empty for an instant.
func TestNothingIsRemovedWhileTheFolderIsInUse(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "00001.mem"), nil, 0o600)
	unlock, ok := LockDir(dir)
	if !ok {
		t.Fatal("cannot take the lock")
	}
	defer unlock()
	// Another process: flock locks are per open file, so a second open in
	// this process conflicts just as another process would.
	removed, err := RemoveEmptyLogs(dir)
	if err != nil || len(removed) != 0 {
		t.Fatalf("removed %v (%v) while the folder was locked", removed, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "00001.mem")); err != nil {
		t.Fatal("the file was removed")
	}
}

// The cache advice is recognised by its format in Badger's source: a
// Badger that words it differently would be logged again, twice a minute.
func TestBadgerStillGivesItsCacheAdviceThisWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/dgraph-io/badger/v4").Output()
	if err != nil {
		t.Fatalf("finding Badger's source: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "db.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cacheAdvice {
		call := "db.opt.Warningf(" + strconv.Quote(f)
		if !strings.Contains(string(src), call) {
			t.Errorf("Badger's db.go no longer has %s", call)
		}
		if !CacheAdvice(f) {
			t.Errorf("%q is not taken as cache advice", f)
		}
	}
	if CacheAdvice("Error while curlf sync: %v\n") {
		t.Error("an error's format is taken as cache advice")
	}
}
