package relaystore

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// valueLogSyncFailed is how Badger (4.9) reports that syncing its value log
// failed after a write. It only logs this, from a deferred call, and
// returns success for the write: values at least valueThreshold long
// (snapshots, large records) could be acknowledged though the disk never
// got them. TestBadgerStillReportsAFailedValueLogSyncThisWay checks the
// text against the Badger this relay is built with.
const valueLogSyncFailed = "Error while curlf sync: %v\n"

// valueLogHealth remembers such a failure. After it the relay refuses
// every write until it is restarted, as a database does after a failed
// fsync: the operating system may have dropped the pages that did not
// reach the disk and report the next sync of the same file as a success,
// so a retry proves nothing. Records acknowledged before it were synced.
type valueLogHealth struct {
	msg atomic.Pointer[string]
}

func (h *valueLogHealth) failed(msg string) { h.msg.CompareAndSwap(nil, &msg) }

// err is nil while the value log has always synced.
func (h *valueLogHealth) err() error {
	if m := h.msg.Load(); m != nil {
		return fmt.Errorf("%w: the disk failed to sync the relay's value log (%s), so this write may not be stored and the relay stores nothing more until it is restarted; check the disk, then restart it", ErrDiskFailed, strings.TrimRight(*m, "\n"))
	}
	return nil
}
