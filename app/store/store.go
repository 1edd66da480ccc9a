// Package store keeps Pairwise's local data in Badger: per document a
// snapshot plus the change chunks written since, an outbox of changes the
// relay has not acknowledged, the relay cursor, and the app's settings.
// Every write is synced to disk before the call returns, so an edit the UI
// calls saved survives a crash or a pulled plug.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"pairwise/app/internal/faults"
	"pairwise/shared/badgertidy"
	"pairwise/shared/diskfree"
)

// Sentinel errors callers act on.
var (
	ErrLocked     = errors.New("store: data folder in use by another Pairwise")
	ErrCorrupt    = errors.New("store: data folder is damaged")
	ErrNewer      = errors.New("store: data folder written by a newer Pairwise")
	ErrNotFound   = errors.New("store: no such pair")
	ErrDiskFull   = errors.New("store: disk full")
	ErrDiskFailed = errors.New("store: disk failed")
	ErrClosed     = errors.New("store: closed")
	errBadVersion = errors.New("store: bad format marker")
)

// FormatVersion is the layout version of the keys below. A store whose
// marker is higher was written by a newer Pairwise and is left untouched.
const FormatVersion = 1

// Store is an open data folder. Its methods are safe for concurrent use.
type Store struct {
	db   *badger.DB
	dir  string
	logf func(string, ...any)
	mu   sync.Mutex // serialises read-modify-write transactions

	// dirty marks a write whose sync was put off (see updateSoon): the next
	// write syncs first, and a goroutine (syncing) does it at once if no
	// write comes first. closed stops that goroutine. All under mu.
	dirty, syncing, closed bool
	syncs                  atomic.Int64 // disk syncs so far, for tests

	// failed, once set, refuses every later write until the store is
	// opened again (see fail), and failedC is closed. Under mu.
	failed  error
	failedC chan struct{}

	free *diskfree.Watch // free space, read at most once a second while plenty

	docsMu sync.Mutex
	docs   []string // IDs of every document, sorted; see Docs

	// onQueued is told of a pushed change as soon as it is in the outbox
	// (see OnQueued); limits holds, per document changed since opening,
	// the device sequence below which outbox entries may be sent before
	// they are on disk (DocState.Reserved, as synced).
	onQueued  func(doc string) bool
	limitsMu  sync.Mutex
	limits    map[string]uint64
	sendFirst sendFirst // see sendfirst.go
	inMemory  bool      // OpenInMemory: its syncs cost nothing, so no edit waits to send first

	tails outTails     // the newest outbox entries, see outtail.go
	views atomic.Int64 // read transactions so far, for tests
}

// OnQueued registers fn to be called with a document's ID whenever a change
// to push enters its outbox: before the write is on disk, so the engine can
// send it meanwhile (Outbox hands out only what may go), and once more
// after the sync for a change that could not go before it. fn returns
// whether a sender will send the document's new changes at once and say
// so (Sent): then a change that may go early is sent before its sync (see
// sendfirst.go). fn must not block or call the store. Call it before any
// write.
func (s *Store) OnQueued(fn func(doc string) bool) { s.onQueued = fn }

func (s *Store) queued(doc string) bool {
	return s.onQueued != nil && s.onQueued(doc)
}

// reserved records that device sequences below limit are durably
// reserved for doc.
func (s *Store) reserved(doc string, limit uint64) {
	s.limitsMu.Lock()
	defer s.limitsMu.Unlock()
	if s.limits == nil {
		s.limits = map[string]uint64{}
	}
	s.limits[doc] = max(s.limits[doc], limit)
}

// sendable returns the device sequence below which doc's outbox entries
// may be sent, and false when every entry may (none was added since the
// store opened, so all are on disk).
func (s *Store) sendable(doc string) (uint64, bool) {
	s.limitsMu.Lock()
	defer s.limitsMu.Unlock()
	limit, ok := s.limits[doc]
	return limit, ok
}

// Open opens or creates the data folder dir. Errors name the folder and say
// what to do.
func Open(dir string, logf func(format string, args ...any)) (*Store, error) {
	return openStore(dir, logf, false)
}

func openStore(dir string, logf func(format string, args ...any), memory bool) (s *Store, err error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := finishPurge(dir, logf); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data folder %s: %w", dir, err)
	}
	_ = os.Chmod(dir, 0o700) // keys live here: readable by this user only
	if removed, err := badgertidy.RemoveEmptyLogs(dir); err != nil {
		return nil, fmt.Errorf("cannot tidy the data folder %s after a crash: %w", dir, err)
	} else if len(removed) > 0 {
		logf("removed empty files an earlier crash left in %s: %v", dir, removed)
	}
	_, statErr := os.Stat(filepath.Join(dir, "MANIFEST"))
	existed := statErr == nil
	opts := desktopOptions(dir, logf)
	if memory {
		opts = inMemory(opts)
	}
	defer func() {
		// Badger panics on some kinds of damage instead of returning an error.
		if r := recover(); r != nil {
			s, err = nil, corrupt(dir, fmt.Errorf("%v", r))
		}
	}()
	db, err := badger.Open(opts)
	if err != nil {
		return nil, openError(dir, err)
	}
	s = &Store{db: db, dir: dir, logf: logf, free: &diskfree.Watch{Dir: dir, Plenty: 4 * MinFree, Every: time.Second}, failedC: make(chan struct{}), inMemory: memory}
	if err := s.checkFormat(existed); err != nil {
		db.Close()
		return nil, err
	}
	if s.docs, err = s.listDocs(); err != nil {
		db.Close()
		return nil, corrupt(dir, err)
	}
	if err := s.recoverReserved(); err != nil {
		db.Close()
		if errors.Is(err, ErrDiskFailed) {
			return nil, err // the folder is not damaged: the disk is
		}
		return nil, corrupt(dir, err)
	}
	return s, nil
}

// openError explains why Badger could not open dir.
func openError(dir string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Cannot acquire directory lock"), strings.Contains(msg, "resource temporarily unavailable"):
		return fmt.Errorf("%w: %s is open in another Pairwise window or command; close that one first, or pass another folder with --data", ErrLocked, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot open the data folder %s: permission denied; check that it belongs to you: %w", dir, err)
	}
	return corrupt(dir, err)
}

func corrupt(dir string, cause error) error {
	return fmt.Errorf("%w: %s could not be read (%v). Restore the folder from a backup, or move it aside and start Pairwise again to sync your pairs back from the relay", ErrCorrupt, dir, cause)
}

// desktopOptions sizes Badger for a laptop rather than a server: a few
// megabytes of memtables and caches instead of hundreds.
func desktopOptions(dir string, logf func(string, ...any)) badger.Options {
	return badger.DefaultOptions(dir).
		WithSyncWrites(false). // update syncs what is promised; see there
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithValueLogFileSize(16 << 20).
		WithValueThreshold(4 << 10).
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(2 << 20).
		WithNumCompactors(2).
		WithNumVersionsToKeep(1).
		WithLogger(badgerLogger{logf}) // which drops Badger's info and debug lines; WithLoggingLevel would replace it
}

// Dir is the data folder.
func (s *Store) Dir() string { return s.dir }

// Close flushes and closes the store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.db == nil {
		return nil // a failed purge closed it already
	}
	if s.failed != nil {
		// The numbers stay reserved, which only skips them. Badger still
		// writes its memtables to tables as it closes: what it holds in
		// memory is sound, whatever its log on the disk is.
		return s.db.Close()
	}
	if err := s.releaseReserved(); err != nil {
		s.logf("could not mark a clean close in %s (the next start treats it as a crash): %v", s.dir, err)
	}
	return s.db.Close()
}

// checkFormat reads the format marker, writing it into a new store. A store
// that existed but lost its marker has lost data Badger did not notice (a
// damaged manifest drops whole tables), so it is reported, not reused.
func (s *Store) checkFormat(existed bool) error {
	return s.update(func(txn *badger.Txn) error {
		v, err := get(txn, keyFormat)
		if errors.Is(err, badger.ErrKeyNotFound) {
			if existed {
				return corrupt(s.dir, errors.New("its records are missing"))
			}
			return txn.Set(keyFormat, []byte{FormatVersion})
		}
		if err != nil {
			return corrupt(s.dir, err)
		}
		if len(v) != 1 {
			return corrupt(s.dir, errBadVersion)
		}
		if v[0] > FormatVersion {
			return fmt.Errorf("%w: %s was last used by a newer version of Pairwise; update Pairwise to open it (nothing was changed)", ErrNewer, s.dir)
		}
		return nil
	})
}

// MinFree is the free space a write needs: room for a memtable flush, a
// compaction and the value log to grow, with a margin. Below it, writes are
// refused with ErrDiskFull before Badger can touch an unbacked page of its
// memory-mapped value log, which would kill the process with SIGBUS.
const MinFree = 48 << 20

// update runs fn in a read-write transaction and syncs it to disk before
// returning: what the user typed, changes received from the relay, and
// anything else a later write may build on. (Badger syncs only the newest
// memtable's log and does not sync a full one when it starts the next, so a
// write left unsynced can be lost in a power cut while later ones survive.)
//
// The sync happens before the next write can start: that write could find
// the memtable full and start another, and the sync would then miss this
// one.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	return s.write(fn, now)
}

// updateLazy runs fn in a read-write transaction without waiting for the
// disk. It is only for writes that a power cut may undo while later writes
// survive, with no harm: acknowledgements (the relay takes the resent
// changes as replays), the relay's snapshot position, and the cursor moving
// past this machine's own changes. A process crash loses none of them (the
// operating system still has the pages); a power cut may.
func (s *Store) updateLazy(fn func(txn *badger.Txn) error) error {
	return s.write(fn, lazy)
}

// updateSoon runs fn in a read-write transaction and has it synced before
// any later write, without making the caller wait. It is for writes that a
// power cut may undo only together with everything after them: changes
// received from the relay (fetched again), which a later edit may build on.
func (s *Store) updateSoon(fn func(txn *badger.Txn) error) error {
	return s.write(fn, soon)
}

// syncDirty syncs a write whose sync was put off. A failure stops the
// store's writes (see fail); the next write reports it.
func (s *Store) syncDirty() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncing = false
	if s.dirty && !s.closed && s.syncDisk() == nil {
		s.dirty = false
	}
}

// SyncPutOff syncs a write whose sync was put off (see updateSoon), if the
// sync has not happened yet, so that a caller about to hold its own locks
// over its next write does not hold them through this sync as well.
func (s *Store) SyncPutOff() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty || s.closed {
		return nil
	}
	if err := s.syncDisk(); err != nil {
		return err
	}
	s.dirty = false
	return nil
}

// When a write reaches the disk.
type durability int

const (
	lazy durability = iota // whenever Badger gets to it
	soon                   // before the next write
	now                    // before write returns
)

func (s *Store) write(fn func(txn *badger.Txn) error, when durability) error {
	return s.writeThen(fn, when, func() {})
}

// writable returns why the store takes no write: it is closed, or its
// disk failed (see fail). The caller holds mu.
func (s *Store) writable() error {
	if s.closed || s.db == nil {
		return ErrClosed
	}
	return s.failed
}

// writeThen is write, calling written once the transaction is committed
// (readers see it) and before the disk sync.
func (s *Store) writeThen(fn func(txn *badger.Txn) error, when durability, written func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if s.dirty {
		if err := s.syncDisk(); err != nil {
			return err
		}
		s.dirty = false
	}
	if free, ok := s.free.Free(); ok && free < MinFree {
		return fmt.Errorf("%w: only %d MB is free on the disk holding %s, so the last change was not saved. Free some space and try again", ErrDiskFull, free>>20, s.dir)
	}
	refused := false
	err := s.db.Update(func(txn *badger.Txn) error {
		err := fn(txn)
		refused = err != nil
		return err
	})
	if err != nil && !refused && badgertidy.DiskFailure(err) {
		return s.fail(err)
	}
	if err != nil && badgertidy.DiskFull(err) {
		return fmt.Errorf("%w: the disk holding %s is full, so the last change was not saved. Free some space and try again: %v", ErrDiskFull, s.dir, err)
	}
	if err == nil {
		written()
	}
	switch {
	case err != nil:
	case when == now:
		err = s.syncDisk() // on failure the store writes nothing more (see fail)
	case when == soon:
		s.dirty = true
		if !s.syncing {
			s.syncing = true
			go s.syncDirty()
		}
	}
	return err
}

// syncDisk waits until the current memtable's log and the value log are
// on disk. Call it with mu held (see update).
func (s *Store) syncDisk() error {
	if s.failed != nil {
		return s.failed
	}
	s.syncs.Add(1)
	err := s.db.Sync()
	if err == nil {
		err = faults.Sync()
	}
	if err != nil {
		return s.fail(err)
	}
	return nil
}

// diskFailed is the error every write gets after the disk failed: it is
// ErrDiskFailed, and ErrDiskFull too when the disk was full.
type diskFailed struct {
	msg   string
	full  bool
	cause error // what the disk answered
}

func (e *diskFailed) Error() string { return e.msg }

func (e *diskFailed) Unwrap() error { return e.cause }

func (e *diskFailed) Is(target error) bool {
	return target == ErrDiskFailed || e.full && target == ErrDiskFull
}

// Syncs returns how many disk syncs the store has made since it was
// opened: a count for tests and diagnostics.
func (s *Store) Syncs() int64 { return s.syncs.Load() }

// Failed returns the disk failure that stopped the store's writes, or nil.
func (s *Store) Failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// FailedC is closed when the disk fails (see fail).
func (s *Store) FailedC() <-chan struct{} { return s.failedC }

// fail stops the store's writes after the disk failed a sync or a write,
// and returns the error every write gets from then on. As a database does
// after a failed fsync: the operating system may have dropped the pages
// that did not reach the disk and report the next sync as a success, so a
// retry would prove nothing, and an edit could be called saved that is not.
// Reads go on. Opening the store again (restarting Pairwise) reads what
// the disk really holds. The caller holds mu.
func (s *Store) fail(cause error) error {
	if s.failed != nil {
		return s.failed
	}
	full := badgertidy.DiskFull(cause)
	todo := "Check the disk"
	if full {
		todo = "Free some space on it"
	}
	s.failed = &diskFailed{full: full, cause: cause, msg: fmt.Sprintf("Pairwise could not write to the disk holding %s (%v). Your latest changes may not be saved, and nothing more is saved until Pairwise is restarted. %s, then restart Pairwise", s.dir, cause, todo)}
	close(s.failedC)
	s.logf("store: %v", s.failed)
	return s.failed
}

func (s *Store) view(fn func(txn *badger.Txn) error) error {
	s.views.Add(1)
	return s.db.View(fn)
}

func get(txn *badger.Txn, key []byte) ([]byte, error) {
	it, err := txn.Get(key)
	if err != nil {
		return nil, err
	}
	return it.ValueCopy(nil)
}

type badgerLogger struct{ logf func(string, ...any) }

func (l badgerLogger) Errorf(f string, a ...any) { l.log("badger error: "+f, a...) }
func (l badgerLogger) Warningf(f string, a ...any) {
	if !badgertidy.CacheAdvice(f) {
		l.log("badger warning: "+f, a...)
	}
}
func (l badgerLogger) Infof(string, ...any)  {}
func (l badgerLogger) Debugf(string, ...any) {}
func (l badgerLogger) log(f string, a ...any) {
	if l.logf != nil {
		l.logf(strings.TrimRight(f, "\n"), a...)
	}
}
