package workspace

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestTokenIsSealedWithTheKeyring(t *testing.T) {
	o := withKeyring(t)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	token := rand.Text()
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.UpdateSettings(func(s *Settings) { s.Relay, s.Token = "wss://relay.example.org", token }); err != nil {
		t.Fatal(err)
	}
	if got, err := ws.Token(); got != token || err != nil {
		t.Fatalf("Token: got %q, %v; want %q", got, err, token)
	}
	ws.Close()
	if diskHolds(t, root, []byte(token)) {
		t.Fatal("the token is readable in the data folder")
	}
	ws, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if got, err := ws.Token(); got != token || err != nil || ws.Settings().Token != token {
		t.Fatalf("Token after reopening: got %q, %v (settings %q); want %q", got, err, ws.Settings().Token, token)
	}
}

// A token the keyring cannot open right now is kept while its relay stays,
// and forgotten with it.
func TestALockedTokenStaysWithItsRelay(t *testing.T) {
	o := withKeyring(t)
	dir := t.TempDir()
	token := rand.Text()
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	device := ws.Settings().Device
	if err := ws.UpdateSettings(func(s *Settings) { s.Relay, s.Token = "wss://relay.example.org", token }); err != nil {
		t.Fatal(err)
	}
	ws.Close()
	entry, err := keyring.Get(keyringService, "vault-"+device)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		change func(s *Settings)
		want   string
	}{
		{"another name", func(s *Settings) { s.Name = "Ana" }, token},
		{"another relay", func(s *Settings) { s.Relay = "wss://other.example.org" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keyring.MockInit() // the entry is gone: the token cannot be opened
			o := Options{Logf: t.Logf, Keyring: o.Keyring}
			ws, err := OpenWith(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ws.Token(); !errors.Is(err, ErrKeyring) {
				t.Fatalf("Token with the keyring reset: got %v, want ErrKeyring", err)
			}
			if err := ws.UpdateSettings(tc.change); err != nil {
				t.Fatal(err)
			}
			ws.Close()
			if err := keyring.Set(keyringService, "vault-"+device, entry); err != nil {
				t.Fatal(err)
			}
			ws, err = OpenWith(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			if got, err := ws.Token(); got != tc.want || err != nil {
				t.Fatalf("Token with the keyring back: got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
