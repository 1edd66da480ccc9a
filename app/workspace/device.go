package workspace

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"pairwise/shared/seal"
)

// The device key. Each data folder signs what it sends with an Ed25519 key
// of its own: the relay binds a connection to the device only after it
// signs the relay's challenge, and replicas accept a change only with the
// signature of a device the document lists as a writer. The key is kept
// like pair keys: sealed with the keyring's vault key where there is one.

// DeviceKey returns this folder's signing key, or why it cannot be had
// (its keyring entry is gone or locked): nothing syncs without it, but
// the folder still opens.
func (w *Workspace) DeviceKey() (seal.DeviceKey, error) { return w.device, w.deviceErr }

// loadDeviceKey reads the device key, or makes one. A folder from before
// signed devices gets its first key here; its devices had numbered their
// changes under the old, unsigned device ID, so every outbox is numbered
// afresh for the new one first, and the key is saved only after that, so a
// crash in between simply does both again.
func (w *Workspace) loadDeviceKey() error {
	s := w.settings
	var seed []byte
	switch {
	case s.SealedDeviceKey != nil:
		var err error
		if seed, err = w.vault.openBytes("device key", s.SealedDeviceKey); err != nil {
			w.deviceErr = err
			return nil
		}
	case s.DeviceKey != nil:
		seed = s.DeviceKey
	}
	if seed != nil {
		k, err := seal.ParseDeviceSeed(seed)
		if err != nil {
			return fmt.Errorf("%w in %s; move the folder aside and join your pairs again from fresh invites", err, w.st.Dir())
		}
		w.device = k
		if s.SealedDeviceKey == nil && w.vault.key != nil {
			return w.saveDeviceKey() // a keyring appeared: seal the key now
		}
		return nil
	}
	ids, err := w.st.Docs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := w.st.Renumber(id, 1); err != nil {
			return fmt.Errorf("prepare pair %s for signed changes: %w", id, err)
		}
	}
	if len(ids) > 0 {
		if err := w.st.ForgetRemoved(); err != nil {
			return err
		}
		w.logf("this folder now signs its changes with a device key; %d pairs and cohorts were prepared for it", len(ids))
	}
	w.device = seal.NewDeviceKey()
	return w.saveDeviceKey()
}

func (w *Workspace) saveDeviceKey() error {
	s := w.settings
	s.DeviceKey, s.SealedDeviceKey = nil, nil
	if w.vault.key != nil {
		sealed, err := w.vault.sealBytes("device key", w.device.Seed())
		if err != nil {
			return err
		}
		s.SealedDeviceKey = sealed
	} else {
		s.DeviceKey = w.device.Seed()
	}
	if err := w.st.PutConfig(s); err != nil {
		return fmt.Errorf("save the device key in %s: %w", w.st.Dir(), err)
	}
	w.settings = s
	return nil
}

// sealBytes seals b with the vault key under a label naming what it is.
func (v vault) sealBytes(label string, b []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(v.key[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(b)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return aead.Seal(out, out, b, []byte("pairwise vault "+label)), nil
}

// openBytes opens what sealBytes sealed under the same label.
func (v vault) openBytes(label string, sealed []byte) ([]byte, error) {
	if v.key == nil {
		if v.err != nil {
			return nil, v.err
		}
		return nil, fmt.Errorf("%w, and the keyring has no entry %q for them: it may have been reset. Restore the keyring, or join your pairs again from fresh invites", ErrKeyring, v.user)
	}
	aead, err := chacha20poly1305.NewX(v.key[:])
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, fmt.Errorf("%w, but the sealed %s is damaged", ErrKeyring, label)
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte("pairwise vault "+label))
	if err != nil {
		return nil, fmt.Errorf("%w, but the keyring's entry %q does not open the %s; it may belong to another copy of this folder", ErrKeyring, v.user, label)
	}
	return plain, nil
}
