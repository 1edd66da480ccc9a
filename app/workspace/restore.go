package workspace

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"pairwise/app/mentoring"
	"pairwise/app/store"
	"pairwise/shared/seal"
)

// Restoring a backup, as a new device. The folder the backup was made
// from may still be running (the laptop was not lost after all, or the
// backup is a few days old), and it goes on numbering its changes for the
// relay under its device key and writing them as its Automerge actors.
// A copy that reused either would send changes under numbers the relay
// already holds for other content, and write changes the partner cannot
// merge (TestRestoredFolderDoesNotLoseChangesToReusedNumbers shows what a
// copied folder runs into). So a restore:
//
//   - makes a new device key, and has the old one (which the backup holds)
//     admit it as a writer of every document the old one could write, the
//     way an invite admits a partner's device; the engine hands these
//     certificates to the relay on the first sync, and then forgets the
//     old key: the restored folder never signs as the old device;
//   - numbers the changes waiting in each outbox from 1 for the new device
//     (changes the old device may have sent meanwhile arrive twice, as the
//     same Automerge changes, which merging takes once);
//   - writes each document from then on as a new Automerge actor of the
//     same member (a random epoch, crdt.EpochActor), so the partner sees
//     the same person and no change shares an actor and number with one
//     the original folder makes;
//   - keeps each document's relay cursor, so what was made after the
//     backup (by the partner, or by the original folder) is fetched.
//
// The data folder gets a new installation ID too, so its keyring entry is
// its own.

// ErrNotEmpty is returned when a backup is to be restored into a folder
// that holds files already.
var ErrNotEmpty = errors.New("the data folder is not empty")

// RestoreBackup restores the content WriteBackup wrote (decrypted; see
// package backupfile) into dir, which must be empty or not exist. The
// folder is assembled beside dir and moved into place only once all of it
// has been read and checked, so on any refusal dir is left as it was.
func RestoreBackup(dir string, content io.Reader, o Options) (BackupSummary, error) {
	var sum BackupSummary
	if err := CheckEmptyFolder(dir); err != nil {
		return sum, err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return sum, fmt.Errorf("cannot create %s for the restored folder: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restoring-")
	if err != nil {
		return sum, fmt.Errorf("cannot make room beside %s for the restore: %w", dir, err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	o = o.withDefaults()
	st, err := store.Open(tmp, o.Logf)
	if err != nil {
		return sum, err
	}
	if err := st.LoadDump(recordReader(content)); err != nil {
		st.Close()
		return sum, err
	}
	err = startOver(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	// Opening it once seals the secrets with this computer's keyring, if
	// it has one, and checks that it opens.
	w, err := OpenWith(tmp, o)
	if err != nil {
		return sum, fmt.Errorf("the restored folder does not open: %w", err)
	}
	sum, err = w.summary()
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	if err := CheckEmptyFolder(dir); err != nil { // someone may have started Pairwise there meanwhile
		return sum, err
	}
	os.Remove(dir) // empty, or absent
	if err := os.Rename(tmp, dir); err != nil {
		return sum, fmt.Errorf("cannot move the restored folder into %s: %w", dir, err)
	}
	done = true
	return sum, nil
}

// CheckEmptyFolder refuses a data folder that holds anything (see
// RestoreBackup), with a sentence that says what to do.
func CheckEmptyFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("cannot read the data folder %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%w: %s holds files already, and a backup is restored only into an empty folder so nothing there is overwritten. Choose a new folder (--data on the command line), or move this one aside first", ErrNotEmpty, dir)
	}
	return nil
}

// startOver turns a loaded backup into a new device (see above).
func startOver(st *store.Store) error {
	var s storedSettings
	if err := st.Config(&s); err != nil {
		return err
	}
	if s.Device == "" || s.DeviceKey == nil {
		return fmt.Errorf("%w: it has no settings or device key", ErrBackupContent)
	}
	old, err := seal.ParseDeviceSeed(s.DeviceKey)
	if err != nil {
		return fmt.Errorf("%w: its device key is damaged", ErrBackupContent)
	}
	fresh := seal.NewDeviceKey()
	ids, err := st.Docs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		var m Meta
		if err := st.Meta(id, &m); err != nil {
			return err
		}
		if m.Sealed != nil || m.ID != id {
			return fmt.Errorf("%w: the keys of %s are missing", ErrBackupContent, id)
		}
		if wr := m.Writers(); wr != nil {
			if _, ok := wr.Writer(old.ID()); ok {
				var doc [16]byte
				raw, _ := hex.DecodeString(id)
				copy(doc[:], raw)
				m.Certs = append(m.Certs, seal.NewAdmission(old, doc).Certs(doc, fresh.Pub())...)
			}
		}
		if err := st.PutMeta(id, m); err != nil {
			return err
		}
		if err := st.StartOver(id, restoredEpoch()); err != nil {
			return err
		}
	}
	if err := st.ForgetRemoved(); err != nil {
		return err
	}
	s.Device = randomHex(16)
	s.Vault, s.SealedToken, s.SealedDeviceKey = false, nil, nil
	s.DeviceKey = fresh.Seed()
	return st.PutConfig(s)
}

// restoredEpoch picks a random epoch in the upper half, far from the small
// counts crashes reach, with room left for this copy's own crashes.
func restoredEpoch() uint32 {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("workspace: no system randomness: " + err.Error())
	}
	return min(binary.BigEndian.Uint32(b[:])|1<<31, 0xffff0000)
}

// summary counts what the folder holds.
func (w *Workspace) summary() (BackupSummary, error) {
	var sum BackupSummary
	err := w.st.Dump(func(key, val []byte) error {
		k := string(key)
		switch {
		case len(k) > 2 && k[:2] == "m/":
			var m Meta
			if err := json.Unmarshal(val, &m); err != nil {
				return fmt.Errorf("the restored metadata of %s is damaged: %w", k[2:], err)
			}
			switch m.Kind {
			case "":
				sum.Pairs++
			case mentoring.KindProgramme:
				sum.Cohorts++
			}
		case len(k) > 2 && k[:2] == "p/":
			sum.Notes++
		}
		return nil
	})
	return sum, err
}
