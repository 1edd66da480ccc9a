package workspace

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/zalando/go-keyring"
	"golang.org/x/crypto/chacha20poly1305"
)

// Keys at rest. A pair's key and access keys live in its metadata in the
// data folder, which is created readable by its owner only. Where the
// desktop has a keyring (Secret Service on Linux, the Keychain on macOS),
// they are also sealed with a vault key that is kept in that keyring, so a
// copy of the data folder alone (a backup, a stolen disk image) does not
// give them away.

// keyringService names Pairwise's entries in the OS keyring.
const keyringService = "org.pairwise.app"

// desktopKeyring reports whether to try the OS keyring (with
// KeyringAuto). On Linux only with a running session bus, so a headless
// machine never starts one or waits on an unlock prompt;
// PAIRWISE_KEYRING=off turns it off everywhere.
func desktopKeyring() bool {
	if os.Getenv("PAIRWISE_KEYRING") == "off" {
		return false
	}
	if runtime.GOOS == "linux" {
		return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	}
	return runtime.GOOS == "darwin"
}

// ErrKeyring is wrapped when the keys of a pair are sealed with a vault key
// that the OS keyring cannot give back.
var ErrKeyring = errors.New("the keys of this data folder are locked in your desktop keyring")

// vault seals and opens the secret fields of Meta. A nil key means the
// secrets are stored as they are, protected by file permissions only.
type vault struct {
	key  *[32]byte
	err  error // why the keyring could not be used, if it holds our key
	user string
}

// openVault finds this data folder's vault key in the keyring, creating it
// if the folder has never sealed anything (sealed is false).
func openVault(device string, sealed, useKeyring bool) vault {
	v := vault{user: "vault-" + device}
	if !useKeyring {
		return v
	}
	s, err := keyring.Get(keyringService, v.user)
	switch {
	case err == nil:
		b, derr := base64.StdEncoding.DecodeString(s)
		if derr != nil || len(b) != 32 {
			v.err = fmt.Errorf("%w, but the entry %q there is damaged", ErrKeyring, v.user)
			return v
		}
		v.key = (*[32]byte)(b)
	case errors.Is(err, keyring.ErrNotFound) && sealed:
		v.err = fmt.Errorf("%w, and the keyring has no entry %q for them: it may have been reset. Restore the keyring, or join your pairs again from fresh invites", ErrKeyring, v.user)
	case errors.Is(err, keyring.ErrNotFound):
		var k [32]byte
		if _, err := rand.Read(k[:]); err != nil {
			return v
		}
		if err := keyring.Set(keyringService, v.user, base64.StdEncoding.EncodeToString(k[:])); err != nil {
			return v // no usable keyring: file permissions only
		}
		v.key = &k
	default:
		v.err = fmt.Errorf("%w, which is not available right now (%v); log in to your desktop session or unlock the keyring, then try again", ErrKeyring, err)
	}
	return v
}

// secrets are the fields a vault seals.
type secrets struct {
	Key   []byte `json:"k"`
	Write []byte `json:"w,omitempty"`
	Read  []byte `json:"r,omitempty"`
}

// seal returns m as it should be stored: with its secrets sealed if there
// is a vault key.
func (v vault) seal(m Meta) (Meta, error) {
	if v.key == nil {
		return m, nil
	}
	plain, err := json.Marshal(secrets{m.Key, m.Write, m.Read})
	if err != nil {
		return m, err
	}
	if m.Sealed, err = v.sealBytes(plain, "pairwise vault "+m.ID); err != nil {
		return m, err
	}
	m.Key, m.Write, m.Read = nil, nil, nil
	return m, nil
}

// open restores the secrets of a stored Meta.
func (v vault) open(m *Meta) error {
	if m.Sealed == nil {
		return nil
	}
	if v.key == nil {
		return v.locked("the pair")
	}
	plain, err := v.openBytes(m.Sealed, "pairwise vault "+m.ID)
	if err != nil {
		return fmt.Errorf("%w, but the keyring's entry %q does not open pair %s (%v); it may belong to another copy of this folder", ErrKeyring, v.user, m.ID, err)
	}
	var s secrets
	if err := json.Unmarshal(plain, &s); err != nil {
		return err
	}
	m.Key, m.Write, m.Read, m.Sealed = s.Key, s.Write, s.Read, nil
	return nil
}

// locked is the error for a sealed secret (what names it) when the vault
// has no key.
func (v vault) locked(what string) error {
	if v.err != nil {
		return v.err
	}
	return fmt.Errorf("%w, and the keyring has no entry %q for them: it may have been reset. Restore the keyring, or join %s again from a fresh invite", ErrKeyring, v.user, what)
}

// sealBytes seals plain with the vault key; ad names what it is, so a
// sealed value cannot be passed off as another. The nonce comes first.
func (v vault) sealBytes(plain []byte, ad string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(v.key[:])
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(ad)), nil
}

// openBytes opens what sealBytes sealed under the same ad.
func (v vault) openBytes(sealed []byte, ad string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(v.key[:])
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, errors.New("the sealed value is cut short")
	}
	return aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
}

// putMeta stores a pair's metadata, sealing its secrets when it can.
func (w *Workspace) putMeta(m Meta) error {
	sm, err := w.vault.seal(m)
	if err != nil {
		return err
	}
	return w.st.PutMeta(m.ID, sm)
}

// createStored creates a pair in the store with sealed metadata.
func (w *Workspace) createStored(m Meta, first []byte, push bool) error {
	sm, err := w.vault.seal(m)
	if err != nil {
		return err
	}
	if err := w.st.Create(m.ID, sm, first, push); err != nil {
		return err
	}
	if push && first != nil {
		w.setPending(m.ID, 1)
	}
	return nil
}

// KeysInKeyring reports whether this folder's keys are sealed with a key
// held in the OS keyring (rather than protected by file permissions only).
func (w *Workspace) KeysInKeyring() bool { return w.vault.key != nil }
