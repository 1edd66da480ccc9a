package store

import (
	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// OpenInMemory opens a store that keeps its records in memory (Badger's
// in-memory mode: every sync a no-op) and runs none of Badger's background
// compactors, compression or caches. It is only for the load tool
// (app/loadtest), whose W2 workload runs a thousand client machines in one
// process: their thousand Badger instances on one disk, each polling twenty
// times a second, made the tool fall seconds behind its own schedule, so W2
// measured the tool instead of the relay. The app never opens one. It
// loses everything when closed.
func OpenInMemory(dir string, logf func(format string, args ...any)) (*Store, error) {
	return openStore(dir, logf, true)
}

// inMemory trims opts for OpenInMemory.
func inMemory(opts badger.Options) badger.Options {
	return opts.WithInMemory(true).WithDir("").WithValueDir("").
		WithNumCompactors(0).WithCompression(options.None).WithBlockCacheSize(0).WithIndexCacheSize(0)
}
