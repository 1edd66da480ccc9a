// Command pairwise is the Pairwise desktop app and its headless CLI. With no
// command it opens the window; with one (see --help) it works on the data
// folder without a display.
package main

import (
	"os"
	"runtime"

	"pairwise/app/cli"
	"pairwise/app/ui"
)

func main() {
	atLeastTwoProcs()
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr, ui.Run))
}

// atLeastTwoProcs lets two goroutines run at once even where Go sees one
// CPU (a small virtual machine, or a process confined to one core). Every
// edit ends in a disk sync, and a goroutine in a system call keeps its P
// until the call returns or the runtime takes the P back, which can take
// up to milliseconds: with one P, the sync engine's push of that very edit,
// a partner's change arriving and the screen all wait for the disk. With
// two, they run while the sync thread sleeps in the kernel. Machines with
// more CPUs keep Go's own choice.
func atLeastTwoProcs() {
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}
