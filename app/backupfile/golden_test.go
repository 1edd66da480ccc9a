package backupfile

import (
	"bytes"
	"flag"
	"io"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden backup in testdata")

// goldenContent spans two chunks, so the file has a full chunk and a final
// one.
var goldenContent = bytes.Repeat([]byte("pairwise golden backup, format 1. "), 2100)

// A file written by format 1 stays readable by every later Pairwise: the
// golden file was written once, and is only read here.
func TestReadsTheVersion1GoldenFile(t *testing.T) {
	const path = "testdata/v1-cheap.pwbackup"
	if *update {
		if err := os.WriteFile(path, seal(t, goldenContent, []byte("golden passphrase")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, []byte("golden passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, goldenContent) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(goldenContent))
	}
}

// TestNothingInTheClear: a backup's bytes hold none of what it carries.
func TestNothingInTheClear(t *testing.T) {
	content := bytes.Repeat([]byte("private note: talk to HR about the move. "), 4000)
	file := seal(t, content, []byte("correct horse"))
	if bytes.Contains(file, []byte("talk to HR")) {
		t.Fatal("the backup holds its content in the clear")
	}
}
