package store

import (
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// LoadTestMemory, while set, makes every store opened afterwards keep its
// records in memory (Badger's in-memory mode: every sync a no-op) and run
// none of Badger's background compactors, compression or caches. It is only for the
// load tool (app/loadtest), whose W2 workload runs a thousand client
// machines in one process: their thousand Badger instances on one disk, each
// polling twenty times a second, made the tool fall seconds behind its own
// schedule, so W2 measured the tool instead of the relay. The app never sets
// it. A store opened with it loses everything when closed.
var LoadTestMemory atomic.Bool

// loadTestOptions trims opts as LoadTestMemory says.
func loadTestOptions(opts badger.Options) badger.Options {
	if !LoadTestMemory.Load() {
		return opts
	}
	return opts.WithInMemory(true).WithDir("").WithValueDir("").
		WithNumCompactors(0).WithCompression(options.None).WithBlockCacheSize(0).WithIndexCacheSize(0)
}
