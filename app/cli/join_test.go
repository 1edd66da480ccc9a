package cli

import (
	"bytes"
	"strings"
	"testing"

	"pairwise/app/workspace"
)

// pw runs the command line on the data folder dir and returns what it
// wrote and its exit status.
func pw(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("PAIRWISE_KEYRING", "off")
	var o, e bytes.Buffer
	noGUI := func(string, bool) error { t.Fatal("the command line opened the window"); return nil }
	code = Main(append([]string{"--data", dir}, args...), &o, &e, noGUI)
	return strings.TrimSpace(o.String()), e.String(), code
}

// ok runs a command that must succeed and returns its standard output.
func ok(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errOut, code := pw(t, dir, args...)
	if code != 0 {
		t.Fatalf("pairwise %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// settings reads the settings of the data folder dir.
func settings(t *testing.T, dir string) workspace.Settings {
	t.Helper()
	ws, err := workspace.Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	return ws.Settings()
}

func TestRelaySetForgetsATokenGivenForAnotherRelay(t *testing.T) {
	for _, tc := range []struct {
		name       string
		second     []string
		wantToken  string
		wantNotice bool
	}{
		{"another relay, no token", []string{"relay", "set", "wss://other.example.org"}, "", true},
		{"another relay, its token", []string{"relay", "set", "wss://other.example.org", "--token", "t2"}, "t2", false},
		{"the same relay again", []string{"relay", "set", "wss://relay.example.org"}, "t1", false},
		{"the same relay, no token", []string{"relay", "set", "wss://relay.example.org", "--token", ""}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ok(t, dir, "relay", "set", "wss://relay.example.org", "--token", "t1")
			_, errOut, code := pw(t, dir, tc.second...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := settings(t, dir).Token; got != tc.wantToken {
				t.Errorf("token: got %q, want %q", got, tc.wantToken)
			}
			if got := strings.Contains(errOut, "token you had set was forgotten"); got != tc.wantNotice {
				t.Errorf("says the token was forgotten: got %v, want %v (stderr %q)", got, tc.wantNotice, errOut)
			}
		})
	}
}

// invite makes a pair (or a cohort) that syncs through relay in a new data
// folder and returns its invite code.
func invite(t *testing.T, relay string, cohort bool) string {
	t.Helper()
	dir := t.TempDir()
	ok(t, dir, "relay", "set", relay)
	if cohort {
		id := ok(t, dir, "cohort", "new", "--title", "Spring", "--me", "Dana")
		return ok(t, dir, "cohort", "invite", id)
	}
	id := ok(t, dir, "pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	return ok(t, dir, "pair", "invite", id)
}

func TestJoinShowsTheRelayAndAsksBeforeAnUnencryptedOne(t *testing.T) {
	for _, tc := range []struct {
		name, relay string
		cohort      bool
		insecure    bool // --insecure is given
		wantCode    int
		wantSaid    []string
	}{
		{"loopback ws", "ws://127.0.0.1:9400", false, false, 0, []string{"relay at 127.0.0.1:9400", "becomes your default relay"}},
		{"wss", "wss://relay.example.org", false, false, 0, []string{"relay at relay.example.org"}},
		{"remote ws refused", "ws://relay.example.org:9400", false, false, 1, []string{"relay at relay.example.org:9400", "not encrypted", "nothing was saved", "--insecure"}},
		{"remote ws accepted", "ws://relay.example.org:9400", false, true, 0, []string{"relay at relay.example.org:9400", "not encrypted"}},
		{"cohort over remote ws refused", "ws://relay.example.org:9400", true, false, 1, []string{"This cohort syncs through the relay at relay.example.org:9400", "--insecure"}},
		{"cohort over remote ws accepted", "ws://relay.example.org:9400", true, true, 0, []string{"not encrypted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := invite(t, tc.relay, tc.cohort)
			dir := t.TempDir()
			args := []string{"pair", "join", code, "--me", "Ben", "--role", "mentee"}
			if tc.cohort {
				args = []string{"cohort", "join", code}
			}
			if tc.insecure {
				args = append(args, "--insecure")
			}
			out, errOut, exit := pw(t, dir, args...)
			if exit != tc.wantCode {
				t.Fatalf("exit: got %d, want %d (stderr %q)", exit, tc.wantCode, errOut)
			}
			for _, want := range tc.wantSaid {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr: got %q, want it to say %q", errOut, want)
				}
			}
			if strings.Contains(errOut, "not encrypted") != workspace.InsecureRelay(tc.relay) {
				t.Errorf("stderr: got %q, want a warning exactly for ws:// to another computer", errOut)
			}
			set := settings(t, dir)
			if tc.wantCode != 0 {
				if out != "" || set.Relay != "" {
					t.Errorf("a refused join saved something: printed %q, default relay %q", out, set.Relay)
				}
				return
			}
			if len(out) != 32 {
				t.Errorf("stdout: got %q, want the ID alone", out)
			}
			if set.Relay != tc.relay {
				t.Errorf("default relay: got %q, want %q (none was set before)", set.Relay, tc.relay)
			}
		})
	}
}

// Joining a pair on another relay leaves the default relay, and its token,
// as they are.
func TestJoinKeepsTheDefaultRelay(t *testing.T) {
	code := invite(t, "wss://other.example.org", false)
	dir := t.TempDir()
	ok(t, dir, "relay", "set", "wss://relay.example.org", "--token", "t1")
	_, errOut, exit := pw(t, dir, "pair", "join", code, "--me", "Ben", "--role", "mentee")
	if exit != 0 {
		t.Fatalf("exit %d: %s", exit, errOut)
	}
	if !strings.Contains(errOut, "Your default relay stays relay.example.org") {
		t.Errorf("stderr: got %q, want it to say the default relay stays", errOut)
	}
	if set := settings(t, dir); set.Relay != "wss://relay.example.org" || set.Token != "t1" {
		t.Errorf("settings after joining: got relay %q token %q, want them unchanged", set.Relay, set.Token)
	}
}
