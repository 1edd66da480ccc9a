package workspace

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// withoutKeyring returns options for a desktop with no keyring.
func withoutKeyring(t *testing.T) Options {
	return Options{Logf: t.Logf, Keyring: KeyringOff}
}

// diskHolds reports whether any file under dir holds secret, as it is or
// base64-encoded (as JSON stores bytes). Badger compresses its tables with
// Snappy, which may break a string up where a few of its bytes happen to
// repeat earlier ones, so any 12-byte piece of it counts.
func diskHolds(t *testing.T, dir string, secret []byte) bool {
	t.Helper()
	forms := [][]byte{secret, []byte(base64.StdEncoding.EncodeToString(secret))}
	found := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, f := range forms {
			for i := 0; i+12 <= len(f) && !found; i++ {
				found = bytes.Contains(b, f[i:i+12])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestSecretsAtRestAreSealed makes a data folder as a Pairwise without a
// keyring would, with a pair's key and capabilities, a removed pair's and
// the organisation token in clear, then opens it once with a keyring: after
// that no file on disk may hold any of them, and everything still opens.
func TestSecretsAtRestAreSealed(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	token := rand.Text()

	o := withoutKeyring(t)
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Kept", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := ws.NewPair("Removed", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.UpdateSettings(func(s *Settings) { s.Relay, s.Token = "wss://relay.example.org", token }); err != nil {
		t.Fatal(err)
	}
	meta, _ := ws.Meta(pair)
	goneMeta, _ := ws.Meta(gone)
	if err := ws.Remove(gone, true); err != nil {
		t.Fatal(err)
	}
	code, err := ws.Invite(pair, true) // read-only: a write invite carries a fresh admission each time
	if err != nil {
		t.Fatal(err)
	}
	device, _ := ws.DeviceKey()
	ws.Close()
	secrets := map[string][]byte{
		"device key": device.Seed(),
		"key":        meta.Key, "write capability": meta.Write, "read capability": meta.Read,
		"removed pair's key": goneMeta.Key, "removed pair's write capability": goneMeta.Write,
		"organisation token": []byte(token),
	}
	for name, s := range secrets {
		if !diskHolds(t, root, s) {
			t.Fatalf("without a keyring the %s is not in the folder's files: the test cannot tell whether sealing clears it", name)
		}
	}

	o = withKeyring(t)
	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatalf("first open with a keyring: %v", err)
	}
	if !ws.KeysInKeyring() {
		t.Fatal("the keyring was not used")
	}
	ws.Close()
	for name, s := range secrets {
		if diskHolds(t, root, s) {
			t.Errorf("after opening with a keyring, the %s is still readable on disk", name)
		}
	}

	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer ws.Close()
	if got, err := ws.Meta(pair); err != nil || !bytes.Equal(got.Key, meta.Key) || !bytes.Equal(got.Write, meta.Write) || !bytes.Equal(got.Read, meta.Read) {
		t.Fatalf("the pair's keys after sealing: got %+v (%v), want the ones it was made with", got, err)
	}
	if p, err := ws.Pair(pair); err != nil || p.Title != "Kept" {
		t.Fatalf("the pair after sealing: got %v (%v)", p, err)
	}
	if again, _ := ws.DeviceKey(); again.ID() != device.ID() {
		t.Fatal("the device key changed when it was sealed")
	}
	if again, err := ws.Invite(pair, true); err != nil || again != code {
		t.Fatalf("invite after sealing: got %q (%v), want %q", again, err, code)
	}
	if got := ws.Settings().Token; got != token {
		t.Fatalf("token after sealing: got %q, want %q", got, token)
	}
	if ids, _ := ws.IDs(); len(ids) != 1 || ids[0] != pair {
		t.Fatalf("documents after sealing: got %v, want [%s]", ids, pair)
	}
}

// A first start with a keyring that seals everything but stops before the
// purge (killed, or the disk too full for the copy) leaves the purge mark,
// and the next start purges though nothing is in clear any more.
func TestSealingResumesAfterAnInterruptedStart(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	token := rand.Text()
	o := withoutKeyring(t)
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Kept", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.UpdateSettings(func(s *Settings) { s.Relay, s.Token = "wss://relay.example.org", token }); err != nil {
		t.Fatal(err)
	}
	meta, _ := ws.Meta(pair)
	ws.Close()

	o = withKeyring(t)
	interrupted := o
	interrupted.purge = func(*store.Store) error { return errors.New("interrupted") }
	ws, err = OpenWith(dir, interrupted)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if !diskHolds(t, root, meta.Key) || !diskHolds(t, root, []byte(token)) {
		t.Fatal("the interrupted start cleared the old copies anyway: the test cannot tell whether the next start would")
	}

	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	for name, s := range map[string][]byte{"key": meta.Key, "write capability": meta.Write, "token": []byte(token)} {
		if diskHolds(t, root, s) {
			t.Errorf("after the next start, the %s is still readable on disk", name)
		}
	}
	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, err := ws.Pair(pair); err != nil || ws.Settings().Token != token {
		t.Fatalf("after sealing: pair %v, token %q", err, ws.Settings().Token)
	}
}
