package workspace

import (
	"fmt"
)

// The organisation token at rest. It lets whoever holds it add documents
// to the organisation's relay, so where the desktop has a keyring it is
// sealed with the vault key like the pairs' keys; in memory, and in what
// Settings returns, it is in clear.

// tokenAD names the sealed token, so it cannot be passed off as a pair's
// sealed keys (whose names are "pairwise vault " and a hex ID).
const tokenAD = "pairwise vault token"

// storedSettings is Settings as the data folder holds it.
type storedSettings struct {
	Settings
	SealedToken []byte `json:"sealedToken,omitempty"` // Token sealed with the vault key
}

// openSettings reads the settings, giving a new folder its device ID,
// opens the vault and unseals the token. On the first start with a
// keyring it seals whatever an older Pairwise (or a start without the
// keyring) left in clear, and purges the old copies from disk (see
// sealAtRest).
func (w *Workspace) openSettings() error {
	var stored storedSettings
	if err := w.st.Config(&stored); err != nil {
		return err
	}
	existed := stored.Device != ""
	if !existed {
		stored.Device = randomHex(16)
		if err := w.st.PutConfig(stored); err != nil {
			return fmt.Errorf("save settings in %s: %w", w.st.Dir(), err)
		}
	}
	w.settings = stored.Settings
	w.vault = openVault(stored.Device, stored.Vault, w.opts.useKeyring())
	if stored.SealedBackupPass != nil && w.vault.key != nil {
		if plain, err := w.vault.openBytes(stored.SealedBackupPass, backupPassAD); err == nil {
			w.settings.BackupPass = plain
		} else {
			w.logf("the passphrase for automatic backups cannot be read with the keyring's entry (%v); set automatic backups up again", err)
		}
	}
	if stored.SealedToken != nil {
		if err := w.openToken(stored.SealedToken); err != nil {
			w.logf("%v", err)
		}
	}
	// Sealing comes first: the purge mark must be on disk before any
	// record holding a secret in clear is rewritten, the settings included.
	keyringNew := w.vault.key != nil && !stored.Vault
	if err := w.sealAtRest(stored.Token != "" || stored.DeviceKey != nil, existed && keyringNew); err != nil {
		return err
	}
	if keyringNew {
		w.settings.Vault = true
		if err := w.putSettings(w.settings, w.settings); err != nil {
			return fmt.Errorf("save settings in %s: %w", w.st.Dir(), err)
		}
	}
	return nil
}

// openToken unseals the stored token into the settings. If the vault
// cannot open it, the sealed token is kept as it is (see putSettings).
func (w *Workspace) openToken(sealed []byte) error {
	if w.vault.key == nil {
		w.lockedToken, w.tokenErr = sealed, w.vault.locked("your pairs")
		return fmt.Errorf("the organisation token cannot be read: %w", w.tokenErr)
	}
	plain, err := w.vault.openBytes(sealed, tokenAD)
	if err != nil {
		w.lockedToken = sealed
		w.tokenErr = fmt.Errorf("%w: %w, as the keyring's entry %q does not open it (%v)", ErrTokenLocked, ErrKeyring, w.vault.user, err)
		return w.tokenErr
	}
	w.settings.Token = string(plain)
	return nil
}

// putSettings stores s, which replaces old, with the token sealed when
// there is a vault key. A sealed token this start could not open stays as
// it was while the relay it belongs to stays the same and no other token
// is given; a change of relay forgets it.
func (w *Workspace) putSettings(old, s Settings) error {
	if s.DeviceKey != nil && w.vault.key != nil {
		sealed, err := w.vault.sealBytes(s.DeviceKey, deviceKeyAD)
		if err != nil {
			return err
		}
		s.DeviceKey, s.SealedDeviceKey = nil, sealed
		w.settings.DeviceKey, w.settings.SealedDeviceKey = nil, sealed
	}
	if s.BackupPass != nil && w.vault.key != nil {
		sealed, err := w.vault.sealBytes(s.BackupPass, backupPassAD)
		if err != nil {
			return err
		}
		s.BackupPass, s.SealedBackupPass = nil, sealed
	} else if s.BackupPass != nil || s.Backups == nil {
		s.SealedBackupPass = nil
	}
	stored := storedSettings{Settings: s}
	switch {
	case s.Token != "" && w.vault.key != nil:
		sealed, err := w.vault.sealBytes([]byte(s.Token), tokenAD)
		if err != nil {
			return err
		}
		stored.Token, stored.SealedToken = "", sealed
	case s.Token == "" && w.lockedToken != nil && s.Relay == old.Relay:
		stored.SealedToken = w.lockedToken
	}
	if err := w.st.PutConfig(stored); err != nil {
		return err
	}
	if stored.SealedToken == nil || s.Token != "" {
		w.lockedToken, w.tokenErr = nil, nil
	}
	return nil
}

// Token returns the organisation token for the default relay, unsealed,
// or "" if none is set. The error says why a token that is stored cannot
// be read (the keyring is locked or was reset).
func (w *Workspace) Token() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.settings.Token == "" && w.tokenErr != nil {
		return "", w.tokenErr
	}
	return w.settings.Token, nil
}
