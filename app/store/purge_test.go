package store

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMain lets the test binary double as the child process that the
// purge crash test kills.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PAIRWISE_PURGE_CHILD"); dir != "" {
		purgeChild(dir, os.Getenv("PAIRWISE_PURGE_KILL"))
		return
	}
	os.Exit(m.Run())
}

// purgeChild purges the store in dir and kills itself with SIGKILL at the
// step named kill.
func purgeChild(dir, kill string) {
	purgeStep = func(step string) {
		if step == kill {
			p, _ := os.FindProcess(os.Getpid())
			p.Kill()
			select {}
		}
	}
	s, err := Open(dir, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if err := s.MarkPurge(); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if err := s.Purge(); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("not killed")
	os.Exit(1)
}

// secretStore writes, in dir, records whose first versions hold secrets
// that later versions replace or remove, and returns the secrets. (Each is
// random and written once: the tables are compressed, and a repeat would
// not show as itself in the raw bytes.)
func secretStore(t *testing.T, dir string) []string {
	t.Helper()
	secrets := []string{rand.Text(), rand.Text(), rand.Text(), rand.Text()}
	s := openWithDoc(t, dir)
	for _, step := range []func() error{
		func() error { return s.PutMeta("d1", map[string]string{"id": "d1", "key": secrets[0]}) },
		func() error { return s.PutConfig(map[string]string{"token": secrets[1]}) },
		func() error { return s.Create("d2", map[string]string{"key": secrets[2]}, []byte(secrets[3]), true) },
		func() error { return s.Remove("d2") },
		func() error { return s.PutMeta("d1", map[string]string{"id": "d1", "sealed": "xxxx"}) },
		func() error { return s.PutConfig(map[string]string{"sealedToken": "yyyy"}) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	for _, secret := range secrets {
		if !filesHold(dir, secret) {
			t.Fatalf("before purging, %s is not in the files: the test cannot tell whether a purge clears it", secret)
		}
	}
	return secrets
}

// checkLive checks that the store in dir holds the live records secretStore
// wrote, and nothing of the replaced or removed ones.
func checkLive(t *testing.T, dir string, secrets []string) {
	t.Helper()
	s := open(t, dir)
	var meta, cfg map[string]string
	if err := s.Meta("d1", &meta); err != nil || meta["sealed"] != "xxxx" || meta["key"] != "" {
		t.Errorf("meta of d1: got %v (%v), want the sealed one", meta, err)
	}
	if err := s.Config(&cfg); err != nil || cfg["sealedToken"] != "yyyy" || len(cfg) != 1 {
		t.Errorf("settings: got %v (%v), want the sealed one", cfg, err)
	}
	if _, chunks, err := s.Load("d1"); err != nil || len(chunks) != 1 || string(chunks[0].Data) != "first" {
		t.Errorf("chunks of d1: got %v (%v), want the first change", chunks, err)
	}
	if st, err := s.State("d1"); err != nil || st.Pending() != 1 {
		t.Errorf("outbox of d1: got %d pending (%v), want 1", st.Pending(), err)
	}
	if docs, _ := s.Docs(); len(docs) != 1 || docs[0] != "d1" {
		t.Errorf("docs: got %v, want [d1]", docs)
	}
	if s.PurgePending() {
		t.Error("the store is still marked for purging")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, secret := range secrets {
		if filesHold(filepath.Dir(dir), secret) {
			t.Errorf("%s is still in a file on disk", secret)
		}
	}
	for _, sibling := range []string{dir + purgeNew, dir + purgeOld} {
		if exists(sibling) {
			t.Errorf("%s is left behind", sibling)
		}
	}
}

// filesHold reports whether any file under dir contains a piece of needle
// 12 bytes long: Badger compresses its tables with Snappy, which may break
// a string up where a few of its bytes happen to repeat earlier ones.
func filesHold(dir, needle string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			for i := 0; i+12 <= len(needle) && !found; i++ {
				found = bytes.Contains(b, []byte(needle[i:i+12]))
			}
		}
		return nil
	})
	return found
}

func TestPurgeLeavesOnlyLiveRecords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	secrets := secretStore(t, dir)
	s := open(t, dir)
	if s.PurgePending() {
		t.Fatal("a new store is marked for purging")
	}
	if err := s.MarkPurge(); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(); err != nil {
		t.Fatal(err)
	}
	// The store goes on working in the same process after the swap.
	if err := s.PutMeta("d1", map[string]string{"id": "d1", "sealed": "xxxx"}); err != nil {
		t.Fatalf("write after purging: %v", err)
	}
	s.Close()
	checkLive(t, dir, secrets)
}

// TestPurgeSurvivesAKillAtEveryStep kills a purging process after each of
// its steps and checks that the next open loses nothing and, once it has
// purged again if the mark is still there, leaves no old version behind.
func TestPurgeSurvivesAKillAtEveryStep(t *testing.T) {
	for _, step := range []string{"copying", "copied", "moved", "swapped", "done"} {
		t.Run(step, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			secrets := secretStore(t, dir)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "PAIRWISE_PURGE_CHILD="+dir, "PAIRWISE_PURGE_KILL="+step)
			out, _ := cmd.CombinedOutput()
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != -1 {
				t.Fatalf("the child was not killed at %s: %s", step, out)
			}
			s := open(t, dir)
			if s.PurgePending() {
				if err := s.Purge(); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			checkLive(t, dir, secrets)
		})
	}
}
