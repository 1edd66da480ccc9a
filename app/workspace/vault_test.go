package workspace

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"pairwise/app/mentoring"
)

// withKeyring resets the in-memory OS keyring and returns options that
// use it.
func withKeyring(t *testing.T) Options {
	keyring.MockInit()
	return Options{Logf: t.Logf, Keyring: KeyringOn}
}

// folderHolds reports whether any file under dir contains needle.
func folderHolds(t *testing.T, dir string, needle []byte) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, needle) {
				found = true
			}
		}
		return nil
	})
	return found
}

func TestKeysAreSealedWithTheKeyring(t *testing.T) {
	o := withKeyring(t)
	dir := t.TempDir()
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if !ws.KeysInKeyring() {
		t.Fatal("the keyring was not used")
	}
	pair, err := ws.NewPair("Sealed", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	ws.UpdateSettings(func(s *Settings) { s.Relay = "wss://relay.example.org" })
	meta, _ := ws.Meta(pair)
	code, err := ws.Invite(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	for name, secret := range map[string][]byte{"key": meta.Key, "write": meta.Write, "read": meta.Read} {
		if folderHolds(t, dir, []byte(base64.StdEncoding.EncodeToString(secret))) || folderHolds(t, dir, secret) {
			t.Errorf("the pair's %s is readable in the data folder", name)
		}
	}

	// Reopened with the same keyring, everything works as before.
	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ws.Invite(pair, false)
	if err != nil || again[:20] != code[:20] {
		t.Fatalf("after reopening: %v", err)
	}
	ws.Close()

	// A keyring that lost the entry gives a clear error, not garbage.
	keyring.MockInit()
	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_, err = ws.Pair(pair)
	if !errors.Is(err, ErrKeyring) || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("with the keyring entry gone: %v", err)
	}
}

func TestWithoutAKeyringTheFolderIsTheOwnersOnly(t *testing.T) {
	o := withoutKeyring(t)
	dir := filepath.Join(t.TempDir(), "data")
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ws.KeysInKeyring() {
		t.Fatal("keys claim to be in a keyring that was turned off")
	}
	if _, err := ws.NewPair("Plain", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("the data folder is %v: others can read the keys in it", perm)
	}
}
