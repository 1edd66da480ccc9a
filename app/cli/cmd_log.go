package cli

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"

	"pairwise/app/applog"
)

// logCommand prints where the desktop app's log is and its recent lines,
// for a bug report. It reads the file only: the data folder may be open in
// the window meanwhile.
var logCommand = command{name: "log", summary: "print where the app's log is and its recent lines, for a bug report",
	flags: func(fs *flag.FlagSet) { fs.Int("lines", 200, "how many of the last lines to print") },
	run:   showLog}

func showLog(e *env, _ []string) error {
	n, err := strconv.Atoi(e.str("lines"))
	if err != nil || n < 1 {
		return usagef("--lines is a number of lines, such as 200")
	}
	path := filepath.Join(applog.DirFor(e.dir), applog.FileName)
	fmt.Fprintln(e.stderr, "The log is "+path+". It holds what went wrong, never your keys or what you wrote.")
	text, err := applog.Tail(path, n)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, text)
	return nil
}
