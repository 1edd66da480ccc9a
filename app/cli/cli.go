// Package cli is Pairwise's headless command line: every command works on a
// data folder without a display, prints IDs alone on stdout so scripts can
// capture them, and reports errors on stderr with a non-zero exit status.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"pairwise/app/workspace"
)

// GUI opens the desktop window on a data folder. main passes the real one;
// the CLI never imports the UI.
type GUI func(dataDir string, demo bool) error

type command struct {
	name    string // "pair new"
	args    string // positional arguments, for usage
	summary string
	flags   func(fs *flag.FlagSet) // declares the command's flags
	run     func(e *env, pos []string) error
	npos    int // exact number of positional arguments
}

// env is what a running command has: the output streams and the data
// folder, opened on first use.
type env struct {
	stdout, stderr io.Writer
	dir            string
	fs             *flag.FlagSet
	ws             *workspace.Workspace
}

func (e *env) open() (*workspace.Workspace, error) {
	if e.ws == nil {
		ws, err := workspace.Open(e.dir, func(f string, a ...any) { fmt.Fprintf(e.stderr, "pairwise: "+f+"\n", a...) })
		if err != nil {
			return nil, err
		}
		e.ws = ws
	}
	return e.ws, nil
}

func (e *env) str(name string) string { return e.fs.Lookup(name).Value.String() }

// set reports whether the flag was given on the command line.
func (e *env) set(name string) bool {
	found := false
	e.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

func (e *env) println(s string) { fmt.Fprintln(e.stdout, s) }

// errUsage marks errors that come from how the command was typed.
var errUsage = errors.New("usage")

func usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// DefaultDataDir is the per-user data folder of the OS.
func DefaultDataDir() string {
	switch runtime.GOOS {
	case "darwin":
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, "Library", "Application Support", "Pairwise")
		}
	case "windows":
		if dir, err := os.UserConfigDir(); err == nil {
			return filepath.Join(dir, "Pairwise")
		}
	default:
		if x := os.Getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "pairwise")
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "pairwise")
		}
	}
	return "pairwise-data"
}

// Main runs the command line and returns the process exit status.
func Main(args []string, stdout, stderr io.Writer, gui GUI) int {
	global := flag.NewFlagSet("pairwise", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	dir := global.String("data", DefaultDataDir(), "data folder")
	demo := global.Bool("demo", false, "open a throwaway data folder seeded with a sample pair")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			topHelp(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "pairwise: %v\nRun 'pairwise --help' for the commands.\n", err)
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		if err := gui(*dir, *demo); err != nil {
			fmt.Fprintf(stderr, "pairwise: %s\n", explain(err))
			return 1
		}
		return 0
	}
	if rest[0] == "help" {
		topHelp(stdout)
		return 0
	}
	cmd, n := lookup(rest)
	if cmd == nil {
		fmt.Fprintf(stderr, "pairwise: unknown command %q.\n", strings.Join(rest[:min(2, len(rest))], " "))
		topHelp(stderr)
		return 2
	}
	e := &env{stdout: stdout, stderr: stderr, dir: *dir}
	defer func() {
		if e.ws != nil {
			e.ws.Close()
		}
	}()
	e.fs = flag.NewFlagSet("pairwise "+cmd.name, flag.ContinueOnError)
	e.fs.SetOutput(io.Discard)
	if cmd.flags != nil {
		cmd.flags(e.fs)
	}
	pos, err := parseInterleaved(e.fs, rest[n:])
	if errors.Is(err, flag.ErrHelp) {
		commandHelp(stdout, cmd, e.fs)
		return 0
	}
	if err == nil && len(pos) != cmd.npos {
		err = usagef("%q takes %d argument(s) (%s), got %d", cmd.name, cmd.npos, cmd.args, len(pos))
	}
	if err != nil {
		fmt.Fprintf(stderr, "pairwise %s: %v\n\n", cmd.name, strings.TrimPrefix(err.Error(), "usage: "))
		commandHelp(stderr, cmd, e.fs)
		return 2
	}
	if err := cmd.run(e, pos); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "pairwise %s: %v\n", cmd.name, strings.TrimPrefix(err.Error(), "usage: "))
			return 2
		}
		fmt.Fprintf(stderr, "pairwise %s: %s\n", cmd.name, explain(err))
		return 1
	}
	return 0
}

// parseInterleaved lets flags and positional arguments come in any order
// ("goal set PAIR GOAL --status done"), which the flag package alone does
// not.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func lookup(args []string) (*command, int) {
	for i := range commands {
		c := &commands[i]
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, len(words)
		}
	}
	return nil, 0
}

func topHelp(w io.Writer) {
	fmt.Fprint(w, `Pairwise: an offline-first workspace for a mentor and a mentee.

Usage:
  pairwise [--data DIR] [--demo]          open the desktop app
  pairwise [--data DIR] COMMAND [ARGS]    run a command without a window

Global flags:
  --data DIR   data folder (default `+DefaultDataDir()+`)
  --demo       open a throwaway data folder with a sample pair

Commands:
`)
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = fmt.Sprintf("  %-24s %s\n", c.name, c.summary)
	}
	sort.Strings(names)
	fmt.Fprint(w, strings.Join(names, ""))
	fmt.Fprint(w, "\nRun 'pairwise COMMAND --help' for a command's arguments and flags.\n")
}

func commandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: pairwise [--data DIR] %s %s\n\n%s\n", c.name, c.args, c.summary)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(w, "\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			arg, usage := flag.UnquoteUsage(f)
			if arg != "" {
				arg = " " + strings.ToUpper(f.Name)
				if i := strings.LastIndex(arg, "-"); i > 0 {
					arg = " " + arg[i+1:]
				}
			}
			fmt.Fprintf(w, "  --%s%s\n      %s\n", f.Name, arg, usage)
		})
	}
}
