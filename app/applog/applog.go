// Package applog is the app's own log: a file a person can send with a
// bug report, capped in size and rotated. What goes into it is each
// caller's care: IDs, codes and addresses, never keys, tokens or anything
// people write in a pair, titles included.
package applog

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The log's file and its limits: about 1 MiB each, with three old files
// kept, so it never takes more than 4 MiB.
const (
	FileName = "pairwise.log"
	MaxSize  = 1 << 20
	Keep     = 3
)

// DirFor is the folder of the log of the data folder dataDir. It is beside
// the data folder, not in it: the data folder is Badger's, and purging it
// (store.Purge) swaps it whole for a fresh copy of its records.
func DirFor(dataDir string) string { return filepath.Clean(dataDir) + "-logs" }

// Log writes time-stamped lines to a rotated file.
type Log struct {
	w   *Writer
	Now func() time.Time // the clock of the time stamps
}

// Open opens (or starts) the log in dir.
func Open(dir string) (*Log, error) {
	w, err := NewWriter(filepath.Join(dir, FileName), MaxSize, Keep)
	if err != nil {
		return nil, err
	}
	return &Log{w: w, Now: time.Now}, nil
}

// Logf writes one line: the time, then the message with its line breaks
// turned into spaces. It has the shape of the logf the workspace and the
// sync engine take. A nil Log drops the line.
func (l *Log) Logf(format string, args ...any) {
	if l == nil {
		return
	}
	msg := strings.TrimRight(fmt.Sprintf(format, args...), "\n")
	msg = strings.ReplaceAll(msg, "\n", " ")
	fmt.Fprintf(l.w, "%s %s\n", l.Now().UTC().Format(time.RFC3339), msg)
}

// Path is the current log file.
func (l *Log) Path() string { return l.w.path }

// Tail returns the last n lines of the log.
func (l *Log) Tail(n int) (string, error) { return Tail(l.Path(), n) }

// Close closes the log file.
func (l *Log) Close() error { return l.w.Close() }

// Tail returns the last n lines of the log file path, reaching into the
// rotated files before it when path itself has fewer.
func Tail(path string, n int) (string, error) {
	var lines []string // newest file's lines last
	for i := 0; i <= Keep && len(lines) < n; i++ {
		name := path
		if i > 0 {
			name = rotated(path, i)
		}
		got, err := readLines(name)
		if errors.Is(err, fs.ErrNotExist) {
			if i == 0 {
				return "", fmt.Errorf("no log yet at %s", path)
			}
			break
		}
		if err != nil {
			return "", fmt.Errorf("read the log: %w", err)
		}
		lines = append(got, lines...)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "", nil
	}
	return strings.Join(lines, "\n") + "\n", nil
}

func readLines(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), MaxSize+1)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}
