// Package procs sets how many goroutines Pairwise's programs run at once.
package procs

import (
	"os"
	"runtime"
)

// AtLeastTwo lets two goroutines run at once even where Go sees one CPU
// (a small virtual machine, or a process confined to one core), unless
// GOMAXPROCS is set in the environment. Both the app and the relay end
// their writes in disk syncs, and a goroutine in a system call keeps its P
// until the call returns or the runtime takes the P back, which can take
// milliseconds: with one P, everything else waits for the disk (the app's
// push of the very edit being synced; the relay's fan-out of records it
// has numbered, and the reading of the next pushes). With two, they run
// while the syncing thread sleeps in the kernel. Machines with more CPUs
// keep Go's own choice. It returns the number of Ps now.
func AtLeastTwo() int {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	return runtime.GOMAXPROCS(0)
}
