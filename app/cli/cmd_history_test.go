package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"pairwise/app/mentoring"
)

// historyIDs runs 'pairwise history' and returns each line's change ID
// and message, newest first.
func historyIDs(t *testing.T, dir, pair string) (ids, msgs []string) {
	t.Helper()
	for _, line := range strings.Split(ok(t, dir, "history", pair, "--limit", "0"), "\n") {
		f := strings.SplitN(line, "  ", 4)
		if len(f) != 4 || len(f[0]) != 8 {
			t.Fatalf("history line %q: want ID  date time  who  what", line)
		}
		ids, msgs = append(ids, f[0]), append(msgs, f[3])
	}
	return ids, msgs
}

// TestHistoryShowRestore: the timeline lists every change, newest first,
// with Ana's name; show --at gives the values of then, as text or JSON;
// restore writes a new change, prints its ID, and the old versions stay
// readable.
func TestHistoryShowRestore(t *testing.T) {
	dir := t.TempDir()
	pair := ok(t, dir, "pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	ok(t, dir, "agreement", "set", pair, "--cadence-days", "14", "--boundaries", "Career topics only.")
	ok(t, dir, "agreement", "set", pair, "--cadence-days", "21", "--boundaries", "Anything goes.")
	goal := ok(t, dir, "goal", "add", pair, "--title", "Learn Go")
	ids, msgs := historyIDs(t, dir, pair)
	if len(ids) != 4 || !strings.HasPrefix(msgs[0], "added the goal") || !strings.HasPrefix(msgs[3], "created the pair") {
		t.Fatalf("history: got %q, want 4 changes, the goal newest and the pair's creation oldest", msgs)
	}
	if !strings.Contains(ok(t, dir, "history", pair), "  Ana  ") {
		t.Error("history does not name who made the changes")
	}
	out, errOut, code := pw(t, dir, "history", pair, "--limit", "1")
	if code != 0 || strings.Count(out, "\n") != 0 || !strings.Contains(errOut, "3 earlier changes not shown") {
		t.Errorf("--limit 1: got %q / %q, want one line and a note of the 3 left out", out, errOut)
	}

	first := ids[2] // the first agreement change
	text := ok(t, dir, "show", pair, "--at", first, "--part", "agreement")
	if !strings.Contains(text, "boundaries: Career topics only.") || !strings.Contains(text, "meeting every (days): 14") {
		t.Errorf("show --at %s: got\n%s\nwant the boundaries and cadence of then", first, text)
	}
	var a mentoring.Agreement
	if err := json.Unmarshal([]byte(ok(t, dir, "show", pair, "--at", first, "--part", "agreement", "--format", "json")), &a); err != nil {
		t.Fatal(err)
	}
	if a.Boundaries != "Career topics only." || a.CadenceDays != 14 {
		t.Errorf("show --format json: got %+v", a)
	}
	if _, errOut, code := pw(t, dir, "show", pair, "--at", first, "--part", "goal:"+goal); code != 1 || !strings.Contains(errOut, "pick a later change") {
		t.Errorf("a goal before it existed: exit %d, %q; want 1 and a sentence", code, errOut)
	}
	if whole := ok(t, dir, "show", pair, "--at", ids[0]); !strings.Contains(whole, "Learn Go") {
		t.Errorf("the whole pair at the newest change: got\n%s\nwant the goal in it", whole)
	}

	out, errOut, code = pw(t, dir, "restore", pair, "--part", "agreement", "--to", first)
	if code != 0 || len(out) != 8 || !strings.Contains(errOut, "restored the agreement as it was at ") {
		t.Fatalf("restore: exit %d, stdout %q, stderr %q; want the new change's ID and what was restored", code, out, errOut)
	}
	after, msgs := historyIDs(t, dir, pair)
	if len(after) != 5 || after[0] != out || !strings.HasPrefix(msgs[0], "restored the agreement as it was at ") {
		t.Errorf("history after restore: got %q, want the restore on top of the 4 changes", msgs)
	}
	if now := ok(t, dir, "show", pair, "--part", "agreement"); !strings.Contains(now, "boundaries: Career topics only.") {
		t.Errorf("agreement after restore: got\n%s", now)
	}
	if then := ok(t, dir, "show", pair, "--at", ids[1], "--part", "agreement"); !strings.Contains(then, "boundaries: Anything goes.") {
		t.Errorf("the version restored over is gone: got\n%s", then)
	}
}

// TestBadChangeIDsAreRefused: a change ID that is malformed, unknown or
// too short gets a sentence and exit 1, and nothing is written.
func TestBadChangeIDsAreRefused(t *testing.T) {
	dir := t.TempDir()
	pair := ok(t, dir, "pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	ok(t, dir, "agreement", "set", pair, "--cadence-days", "14")
	for _, ref := range []string{"zz-top!", "00000000", "ab"} {
		for _, args := range [][]string{{"show", pair, "--at", ref}, {"restore", pair, "--part", "agreement", "--to", ref}} {
			_, errOut, code := pw(t, dir, args...)
			if code != 1 || !strings.Contains(errOut, "'pairwise history'") {
				t.Errorf("%q: exit %d, %q; want 1 and a sentence pointing at 'pairwise history'", args, code, errOut)
			}
		}
	}
	if _, errOut, code := pw(t, dir, "restore", pair, "--part", "win:1", "--to", "abcd"); code != 2 || !strings.Contains(errOut, "agreement, goal:ID or checkin:ID") {
		t.Errorf("a bad part: exit %d, %q; want 2 and the parts there are", code, errOut)
	}
	if ids, _ := historyIDs(t, dir, pair); len(ids) != 2 {
		t.Errorf("refused commands changed the history: %d changes, want 2", len(ids))
	}
}

func TestShowSinceSigned(t *testing.T) {
	dir := t.TempDir()
	pair := ok(t, dir, "pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	ok(t, dir, "agreement", "set", pair, "--cadence-days", "14", "--boundaries", "Career topics.\nNo code review.")
	if _, errOut, code := pw(t, dir, "show", pair, "--since-signed"); code != 1 || !strings.Contains(errOut, "agreement sign") {
		t.Errorf("unsigned: exit %d, %q; want 1 and how to sign", code, errOut)
	}
	ok(t, dir, "agreement", "sign", pair)
	if out, errOut, _ := pw(t, dir, "show", pair, "--since-signed"); out != "" || !strings.Contains(errOut, "Nothing in it has changed") {
		t.Errorf("just signed: got %q / %q", out, errOut)
	}
	ok(t, dir, "agreement", "set", pair, "--cadence-days", "21", "--boundaries", "Career topics.\nNo weekends.")
	want := "meeting every (days): 14 → 21\nboundaries:\n      Career topics.\n    - No code review.\n    + No weekends."
	if got := ok(t, dir, "show", pair, "--since-signed"); got != want {
		t.Errorf("since signed: got\n%s\nwant\n%s", got, want)
	}
}
