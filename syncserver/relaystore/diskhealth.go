package relaystore

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/badgertidy"
)

// valueLogSyncFailed is how Badger (4.9) reports that syncing its value log
// failed after a write. It only logs this, from a deferred call, and
// returns success for the write: values at least valueThreshold long
// (snapshots, large records) could be acknowledged though the disk never
// got them. TestBadgerStillReportsAFailedValueLogSyncThisWay checks the
// text against the Badger this relay is built with.
const valueLogSyncFailed = "Error while curlf sync: %v\n"

// diskHealth remembers such a failure, or any other failed write or
// sync of the store (see update), and says so once in the log. After it
// the relay refuses
// every write until it is restarted, as a database does after a failed
// fsync: the operating system may have dropped the pages that did not
// reach the disk and report the next sync of the same file as a success,
// so a retry proves nothing. Records acknowledged before it were synced.
type diskHealth struct {
	log *slog.Logger
	msg atomic.Pointer[string]
}

// failed records the failure cause, the first time logging what to do.
func (h *diskHealth) failed(cause string) {
	if h.msg.CompareAndSwap(nil, &cause) {
		h.log.Error("the disk failed a write or sync of the relay's store; the relay stores nothing more until it is restarted. Check the disk, then restart it",
			"part", "store", "err", strings.TrimRight(cause, "\n"))
	}
}

// err is nil while every write and sync of the store has succeeded.
func (h *diskHealth) err() error {
	if m := h.msg.Load(); m != nil {
		return fmt.Errorf("%w: the disk failed a write or sync of the relay's store (%s), so this write may not be stored and the relay stores nothing more until it is restarted; check the disk, then restart it", ErrDiskFailed, strings.TrimRight(*m, "\n"))
	}
	return nil
}

// update runs fn in a read-write transaction, as Badger's Update does,
// after checking the disk has not failed. When the commit itself fails
// (Badger writing or syncing its logs, not fn refusing), the disk is taken
// as failed too: after a failed sync of the memtable's log, a later sync
// may succeed while the log keeps a damaged entry, and Badger's replay
// after a crash stops there, dropping everything written after it,
// acknowledged or not. A full disk is not a failure (writes stop until
// there is room), nor are a conflict or a store being closed.
func (s *Badger) update(fn func(txn *badger.Txn) error) error {
	if err := s.disk.err(); err != nil {
		return err
	}
	refused := false
	err := s.db.Update(func(txn *badger.Txn) error {
		err := fn(txn)
		refused = err != nil
		return err
	})
	if err != nil && !refused && diskFailure(err) {
		s.disk.failed(err.Error())
	}
	return err
}

// Failed returns the disk failure that stopped the store's writes, or nil.
func (s *Badger) Failed() error { return s.disk.err() }

// diskFailure reports whether a failed commit means the disk failed
// (badgertidy.DiskFailure, shared with the app's store).
func diskFailure(err error) bool { return badgertidy.DiskFailure(err) }

// diskFull reports whether err is a full disk or a used-up quota.
func diskFull(err error) bool { return badgertidy.DiskFull(err) }
