package workspace

import (
	"fmt"

	"pairwise/shared/seal"
)

// The device key. Each data folder signs what it sends with an Ed25519 key
// of its own: the relay binds a connection to the device only after it
// signs the relay's challenge, and replicas accept a change only with the
// signature of a device the document lists as a writer. The key is kept
// like pair keys: sealed with the keyring's vault key where there is one.

// deviceKeyAD names the sealed device key (see sealBytes).
const deviceKeyAD = "pairwise vault device key"

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
		if w.vault.key == nil {
			w.deviceErr = w.vault.locked("your pairs")
			return nil
		}
		var err error
		if seed, err = w.vault.openBytes(s.SealedDeviceKey, deviceKeyAD); err != nil {
			w.deviceErr = fmt.Errorf("%w, but the keyring's entry %q does not open this computer's device key (%v); it may belong to another copy of this folder", ErrKeyring, w.vault.user, err)
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
		w.device = k // a key in clear was sealed already if a keyring appeared (sealAtRest)
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
	old, s := w.settings, w.settings
	s.DeviceKey, s.SealedDeviceKey = w.device.Seed(), nil
	w.settings = s
	if err := w.putSettings(old, s); err != nil { // seals it where it can
		return fmt.Errorf("save the device key in %s: %w", w.st.Dir(), err)
	}
	return nil
}
