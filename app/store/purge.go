package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// Purging. Badger never overwrites a record in place: a record rewritten
// (a pair's keys sealed where they had been stored in clear) keeps its
// old versions in the tables and logs until a compaction happens to reach
// them, which on a quiet desktop may be never. Purge copies the live
// records into a fresh folder beside the data folder and swaps the two,
// so no file in the data folder holds anything but the current values.
//
// The steps, and what Open finds after a kill -9 at each:
//
//  1. The caller marks the store (MarkPurge) before rewriting anything.
//  2. The live records go into DIR.purge-new, then a file PURGE-COMPLETE,
//     all synced. Killed before PURGE-COMPLETE is on disk: Open deletes
//     DIR.purge-new; DIR is untouched and still marked, so the caller
//     purges again.
//  3. DIR is renamed DIR.purge-old. Killed now: DIR is missing and
//     DIR.purge-new complete, so Open moves it into place.
//  4. DIR.purge-new is renamed DIR. It holds no mark: the purge is done.
//  5. DIR.purge-old is marked PURGE-DISCARD, its files are overwritten
//     with zeros and it is removed. Killed now: Open finishes the job.
//
// While the folders move, the process holds Badger's lock (an flock on
// each folder) on both, so another Pairwise started meanwhile is told the
// folder is in use rather than opening a half-moved one.

const (
	purgeNew     = ".purge-new"
	purgeOld     = ".purge-old"
	completeFile = "PURGE-COMPLETE"
	discardFile  = "PURGE-DISCARD"
)

// purgeStep is called after each step of a purge: crash tests kill the
// process there.
var purgeStep = func(step string) {}

// MarkPurge records, durably, that the store is to be purged. Call it
// before rewriting the records whose old versions must go.
func (s *Store) MarkPurge() error {
	return s.update(func(txn *badger.Txn) error { return txn.Set(keyPurge, []byte{1}) })
}

// PurgePending reports whether the store is marked for purging.
func (s *Store) PurgePending() bool {
	return s.view(func(txn *badger.Txn) error {
		_, err := txn.Get(keyPurge)
		return err
	}) == nil
}

// Purge rewrites the data folder with only the live records (see the top
// of this file), which also clears the purge mark. Nothing may use the
// store meanwhile. After an error the store is as it was, unless Closed
// reports that it could not be reopened (another process took the folder
// in the instant it was free, or the swap was left half done: the next
// Open finishes it).
func (s *Store) Purge() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("store: purge of a closed store")
	}
	if s.failed != nil {
		return s.failed
	}
	if s.dirty {
		if err := s.syncDisk(); err != nil {
			return err
		}
		s.dirty = false
	}
	need := dirSize(s.dir) + MinFree
	if free, ok := s.free.Free(); ok && free < need {
		return fmt.Errorf("%w: purging %s needs %d MB free for a copy, and only %d MB is; free some space", ErrDiskFull, s.dir, need>>20, free>>20)
	}
	fresh := s.dir + purgeNew
	if err := os.RemoveAll(fresh); err != nil {
		return fmt.Errorf("store: remove %s: %w", fresh, err)
	}
	if err := s.copyLive(fresh); err != nil {
		os.RemoveAll(fresh)
		return fmt.Errorf("store: copy the records of %s into %s: %w", s.dir, fresh, err)
	}
	purgeStep("copied")
	return s.swap(fresh)
}

// copyLive writes the current version of every record but the purge mark
// into a new Badger folder fresh, syncs it and marks it complete.
func (s *Store) copyLive(fresh string) error {
	if err := os.Mkdir(fresh, 0o700); err != nil {
		return err
	}
	db, err := badger.Open(desktopOptions(fresh, s.logf))
	if err != nil {
		return err
	}
	wb := db.NewWriteBatch()
	err = s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if bytes.Equal(item.Key(), keyPurge) {
				continue
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			e := badger.NewEntry(item.KeyCopy(nil), v).WithMeta(item.UserMeta())
			e.ExpiresAt = item.ExpiresAt()
			if err := wb.SetEntry(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = wb.Flush()
	} else {
		wb.Cancel()
	}
	purgeStep("copying")
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := syncTree(fresh); err != nil {
		return err
	}
	return writeMarker(fresh, completeFile)
}

// swap puts fresh in place of the store's folder and reopens the store
// there, then wipes the old folder.
func (s *Store) swap(fresh string) error {
	old := s.dir + purgeOld
	if err := wipe(old); err != nil {
		os.RemoveAll(fresh)
		return err
	}
	lockedFresh, ok := lockDir(fresh)
	if !ok {
		os.RemoveAll(fresh)
		return fmt.Errorf("store: %s is in use", fresh)
	}
	unlockFresh := sync.OnceFunc(lockedFresh)
	abandon := func() { unlockFresh(); os.RemoveAll(fresh) }
	if err := s.db.Close(); err != nil {
		abandon()
		return errors.Join(fmt.Errorf("store: close %s to swap it: %w", s.dir, err), s.reopen())
	}
	lockedOld, ok := lockDir(s.dir)
	if !ok { // someone may have opened it in the instant it was free
		abandon()
		return errors.Join(fmt.Errorf("store: could not hold %s to swap it", s.dir), s.reopen())
	}
	unlockOld := sync.OnceFunc(lockedOld)
	defer unlockOld()
	if err := os.Rename(s.dir, old); err != nil {
		abandon()
		unlockOld()
		return errors.Join(fmt.Errorf("store: move %s aside: %w", s.dir, err), s.reopen())
	}
	syncDir(filepath.Dir(s.dir))
	purgeStep("moved")
	if err := os.Rename(fresh, s.dir); err != nil {
		err = fmt.Errorf("store: move %s into place: %w", fresh, err)
		if berr := os.Rename(old, s.dir); berr != nil {
			// Both are still there; Open puts one of them back.
			unlockFresh()
			s.closed, s.db = true, nil
			return fmt.Errorf("%v, and moving it back: %v; start Pairwise again to finish", err, berr)
		}
		abandon()
		unlockOld()
		return errors.Join(err, s.reopen())
	}
	syncDir(filepath.Dir(s.dir))
	purgeStep("swapped")
	unlockFresh()
	err := s.reopen()
	if werr := wipe(old); werr != nil {
		s.logf("could not remove %s, the data folder before it was purged: %v; remove it yourself", old, werr)
	}
	purgeStep("done")
	return err
}

// Closed reports whether the store is closed: by Close, or by a Purge
// that could not reopen it.
func (s *Store) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// reopen opens Badger again on the store's folder. On failure the store
// is closed.
func (s *Store) reopen() (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.closed, s.db = true, nil
			err = corrupt(s.dir, fmt.Errorf("%v", r))
		}
	}()
	db, err := badger.Open(desktopOptions(s.dir, s.logf))
	if err != nil {
		s.closed, s.db = true, nil
		return openError(s.dir, err)
	}
	s.db = db
	return nil
}

// finishPurge completes or undoes a purge that a crash interrupted (see
// the top of this file). It runs before Badger opens dir.
func finishPurge(dir string, logf func(string, ...any)) error {
	fresh, old := dir+purgeNew, dir+purgeOld
	if exists(fresh) {
		unlock, ok := lockDir(fresh)
		if !ok {
			return fmt.Errorf("%w: %s is being tidied by another Pairwise; wait for it, or close it first", ErrLocked, dir)
		}
		if !exists(dir) && exists(filepath.Join(fresh, completeFile)) {
			err := os.Rename(fresh, dir)
			unlock()
			if err != nil {
				return fmt.Errorf("cannot finish tidying the data folder %s after a crash: move %s to %s yourself: %w", dir, fresh, dir, err)
			}
			syncDir(filepath.Dir(dir))
			logf("finished replacing the data folder %s with its purged copy after a crash", dir)
		} else {
			err := os.RemoveAll(fresh)
			unlock()
			if err != nil {
				return fmt.Errorf("cannot remove %s, an unfinished copy of the data folder: remove it yourself: %w", fresh, err)
			}
		}
	}
	if !exists(old) {
		return nil
	}
	if !exists(dir) && !exists(filepath.Join(old, discardFile)) {
		// Killed between moving the folder aside and moving its copy in,
		// and the copy was not complete: put the folder back.
		if err := os.Rename(old, dir); err != nil {
			return fmt.Errorf("cannot restore the data folder %s after a crash: move %s to %s yourself: %w", dir, old, dir, err)
		}
		syncDir(filepath.Dir(dir))
		return nil
	}
	unlock, ok := lockDir(old)
	if !ok {
		return nil // the Pairwise that purged it is removing it
	}
	defer unlock()
	return wipe(old)
}
