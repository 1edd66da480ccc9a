package cli

import (
	"bytes"
	"strings"
	"testing"

	"pairwise/app/applog"
)

func TestLogPrintsThePathAndRecentLines(t *testing.T) {
	data := t.TempDir() + "/data"
	l, err := applog.Open(applog.DirFor(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"one", "two", "three"} {
		l.Logf("%s", s)
	}
	l.Close()
	var out, errOut bytes.Buffer
	if code := Main([]string{"--data", data, "log", "--lines", "2"}, &out, &errOut, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " two") || !strings.HasSuffix(lines[1], " three") {
		t.Errorf("stdout: got %q, want the last two lines", out.String())
	}
	if !strings.Contains(errOut.String(), l.Path()) {
		t.Errorf("stderr: got %q, want the log's path", errOut.String())
	}
}
