// Command pairwise is the Pairwise desktop app and its headless CLI. With no
// command it opens the window; with one (see --help) it works on the data
// folder without a display.
package main

import (
	"os"

	"pairwise/app/cli"
	"pairwise/app/ui"
	"pairwise/shared/procs"
)

func main() {
	procs.AtLeastTwo() // every edit ends in a disk sync; see there
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr, ui.Run))
}
