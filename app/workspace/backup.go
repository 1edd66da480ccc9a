package workspace

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"pairwise/app/mentoring"
)

// Backups. WriteBackup writes every record of the data folder, as of one
// moment, with the secrets the keyring seals here (pair keys, the device
// key, the organisation token) in clear: a backup must restore on a new
// computer whose keyring has never seen this folder, so the caller seals
// the whole of it with a passphrase (package backupfile). RestoreBackup
// (restore.go) brings it back into an empty folder as a new device.
//
// The content is a run of records, each a key and a value with their
// lengths (4 bytes, big-endian) in front, ended by a record with an empty
// key.

// BackupSummary counts what a backup holds.
type BackupSummary struct {
	Pairs, Cohorts, Notes int
}

func (s BackupSummary) String() string {
	return fmt.Sprintf("%d pairs, %d cohorts, %d private notes", s.Pairs, s.Cohorts, s.Notes)
}

// Bounds on a record read back (every byte of a backup is checked, even
// one that authenticated: it may come from a newer or a broken Pairwise).
const (
	maxBackupKey   = 1 << 10
	maxBackupValue = 64 << 20
)

// ErrBackupContent is wrapped when a backup decrypts but what it holds
// cannot be a data folder.
var ErrBackupContent = errors.New("the backup's content is not a Pairwise data folder")

// WriteBackup writes the whole data folder to out (see above). It refuses
// while the keyring keeps the keys locked, since a backup without them
// could never be opened.
func (w *Workspace) WriteBackup(out io.Writer) (BackupSummary, error) {
	var sum BackupSummary
	if !w.device.Valid() {
		return sum, fmt.Errorf("cannot back up without this computer's device key: %w", w.deviceErr)
	}
	bw := bufio.NewWriter(out)
	err := w.st.Dump(func(key, val []byte) error {
		k := string(key)
		switch {
		case k == "cfg":
			v, err := w.settingsInClear(val)
			if err != nil {
				return err
			}
			val = v
		case strings.HasPrefix(k, "m/"):
			var m Meta
			if err := json.Unmarshal(val, &m); err != nil {
				return fmt.Errorf("the metadata of %s is damaged: %w", k[2:], err)
			}
			if err := w.vault.open(&m); err != nil {
				return err
			}
			switch m.Kind {
			case "":
				sum.Pairs++
			case mentoring.KindProgramme:
				sum.Cohorts++
			}
			v, err := json.Marshal(m)
			if err != nil {
				return err
			}
			val = v
		case strings.HasPrefix(k, "p/"):
			sum.Notes++
		}
		return writeRecord(bw, key, val)
	})
	if err == nil {
		err = writeRecord(bw, nil, nil)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return sum, fmt.Errorf("back up %s: %w", w.st.Dir(), err)
	}
	return sum, nil
}

// settingsInClear returns the stored settings with the device key and
// the token in clear and no mention of this folder's keyring entry.
func (w *Workspace) settingsInClear(val []byte) ([]byte, error) {
	var s storedSettings
	if err := json.Unmarshal(val, &s); err != nil {
		return nil, fmt.Errorf("the settings are damaged: %w", err)
	}
	if s.SealedToken != nil {
		if w.vault.key == nil {
			return nil, fmt.Errorf("cannot back up the organisation token: %w", w.vault.locked("your pairs"))
		}
		plain, err := w.vault.openBytes(s.SealedToken, tokenAD)
		if err != nil {
			return nil, fmt.Errorf("cannot back up the organisation token: %w", ErrKeyring)
		}
		s.Token = string(plain)
	}
	s.SealedToken, s.SealedDeviceKey, s.Vault = nil, nil, false
	// Automatic backups belong to this computer's drives, and their
	// passphrase has no place inside what it seals.
	s.Backups, s.BackupPass, s.SealedBackupPass = nil, nil, nil
	s.DeviceKey = w.device.Seed()
	return json.Marshal(s)
}

func writeRecord(w io.Writer, key, val []byte) error {
	var n [8]byte
	binary.BigEndian.PutUint32(n[:4], uint32(len(key)))
	binary.BigEndian.PutUint32(n[4:], uint32(len(val)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(key); err != nil {
		return err
	}
	_, err := w.Write(val)
	return err
}

// recordReader reads what writeRecord wrote, bounding every length.
func recordReader(r io.Reader) func() ([]byte, []byte, bool, error) {
	br := bufio.NewReader(r)
	ended := false
	return func() ([]byte, []byte, bool, error) {
		if ended {
			return nil, nil, false, nil
		}
		var n [8]byte
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return nil, nil, false, readErr(err)
		}
		kl, vl := binary.BigEndian.Uint32(n[:4]), binary.BigEndian.Uint32(n[4:])
		if kl == 0 {
			if vl != 0 {
				return nil, nil, false, fmt.Errorf("%w: its end marker is damaged", ErrBackupContent)
			}
			ended = true
			if _, err := br.ReadByte(); err != io.EOF {
				if err != nil {
					return nil, nil, false, err
				}
				return nil, nil, false, fmt.Errorf("%w: something follows its end", ErrBackupContent)
			}
			return nil, nil, false, nil
		}
		if kl > maxBackupKey || vl > maxBackupValue {
			return nil, nil, false, fmt.Errorf("%w: a record of %d+%d bytes is larger than any Pairwise writes", ErrBackupContent, kl, vl)
		}
		buf := make([]byte, int(kl)+int(vl))
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, nil, false, readErr(err)
		}
		return buf[:kl], buf[kl:], true, nil
	}
}

// readErr names the end of the content coming too soon; any other error
// (a damaged chunk from the decrypting reader) passes as it is.
func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: it ends in the middle", ErrBackupContent)
	}
	return err
}
