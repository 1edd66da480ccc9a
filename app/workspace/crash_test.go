package workspace

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

// TestMain lets the test binary double as the child process that the crash
// test kills.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PAIRWISE_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashChild creates a pair and adds goals as fast as it can, printing each
// goal's number only after Edit has returned, until it is killed.
func crashChild(dir string) {
	// Compact between edits, so kills land during compactions too.
	ws, err := OpenWith(dir, Options{CompactIdle: time.Nanosecond})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	id, err := ws.NewPair("Crash", "Ana", mentoring.Mentor)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("pair", id)
	for i := 0; ; i++ {
		title := "goal " + strconv.Itoa(i)
		if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, ws.Now())
		}); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

// TestSIGKILLLosesNoSavedEdit kills a process in the middle of a burst of
// edits (once early, once after local compaction has started running) and
// checks that every edit whose call had returned is in the reopened store.
func TestSIGKILLLosesNoSavedEdit(t *testing.T) {
	for _, killAt := range []int{25, compactChunks + 40} {
		t.Run(fmt.Sprintf("after %d edits", killAt), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "PAIRWISE_CRASH_CHILD="+dir)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			var pair string
			last := -1
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "error") {
					t.Fatalf("child: %s", line)
				}
				if p, ok := strings.CutPrefix(line, "pair "); ok {
					pair = p
					continue
				}
				n, err := strconv.Atoi(line)
				if err != nil {
					t.Fatalf("child said %q", line)
				}
				last = n
				if n >= killAt {
					_ = cmd.Process.Signal(syscall.SIGKILL)
					break
				}
			}
			_ = cmd.Wait()
			if pair == "" || last < killAt {
				t.Fatalf("child stopped early: pair %q, last edit %d", pair, last)
			}

			ws, err := Open(dir, t.Logf)
			if err != nil {
				t.Fatalf("reopen after SIGKILL: %v", err)
			}
			defer ws.Close()
			p, err := ws.Pair(pair)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, g := range p.Goals {
				have[g.Title] = true
			}
			for i := 0; i <= last; i++ {
				if !have["goal "+strconv.Itoa(i)] {
					t.Fatalf("goal %d was saved before the kill but is missing after reopening (have %d goals)", i, len(p.Goals))
				}
			}
			// Every saved edit is still queued for the relay, too.
			st, _ := ws.st.State(pair)
			if st.Pending() < uint64(last+2) {
				t.Errorf("outbox: got %d pending changes, want at least %d", st.Pending(), last+2)
			}
		})
	}
}
