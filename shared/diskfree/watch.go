package diskfree

import (
	"sync"
	"time"
)

// Watch answers Free for one folder, reading the filesystem again only when
// its last reading is older than Every or showed less than Plenty free. A
// store that writes on every keystroke then pays for one statfs a second
// instead of one per write, and still checks every write once space runs
// low.
type Watch struct {
	Dir    string
	Plenty uint64        // at or above this, a reading is reused
	Every  time.Duration // for at most this long

	mu   sync.Mutex
	free uint64
	ok   bool
	at   time.Time
}

// Free returns the bytes available, as Free does.
func (w *Watch) Free() (uint64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ok && w.free >= w.Plenty && time.Since(w.at) < w.Every {
		return w.free, true
	}
	w.free, w.ok = Free(w.Dir)
	w.at = time.Now()
	return w.free, w.ok
}
