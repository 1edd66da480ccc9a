package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pairwise/syncserver/relaytest"
)

// The real binaries, built once for the package's tests by TestMain: the
// app needs cgo, which makes every build slow.
var pairwiseBin, relayBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pairwise-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pairwiseBin, relayBin = filepath.Join(dir, "pairwise"), filepath.Join(dir, "pairwise-relay")
	code := 1
	if build(pairwiseBin, ".", nil) && build(relayBin, "../syncserver", []string{"CGO_ENABLED=0"}) {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(out, pkg string, env []string) bool {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
		return false
	}
	return true
}

// binary is the real pairwise binary.
func binary(t *testing.T) string {
	t.Helper()
	return pairwiseBin
}

type runner struct {
	t    *testing.T
	bin  string
	data string
}

func (r runner) run(args ...string) (stdout, stderr string, code int) {
	r.t.Helper()
	cmd := exec.Command(r.bin, append([]string{"--data", r.data}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func (r runner) ok(args ...string) string {
	r.t.Helper()
	out, errOut, code := r.run(args...)
	if code != 0 {
		r.t.Fatalf("pairwise %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return strings.TrimSpace(out)
}

func TestCLIRoundTrip(t *testing.T) {
	r := runner{t: t, bin: binary(t), data: t.TempDir()}
	pair := r.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor", "--tz", "Europe/Lisbon")
	if len(pair) != 32 || strings.Contains(pair, "\n") {
		t.Fatalf("pair new printed %q, want the ID alone", pair)
	}
	goal := r.ok("goal", "add", pair, "--title", "Give a talk 🎤", "--due", "2027-01-31")
	r.ok("goal", "set", pair, goal, "--status", "in-progress")
	ms := r.ok("milestone", "add", pair, goal, "--title", "Pick a topic", "--due", "2026-12-15")
	r.ok("milestone", "done", pair, goal, ms)
	r.ok("agreement", "set", pair, "--cadence-days", "14", "--channel", "chat=quick questions;24", "--expectations", "Come prepared")
	r.ok("agreement", "sign", pair)
	ci := r.ok("checkin", "add", pair, "--date", "2026-11-20", "--notes", "Kick-off call", "--action", "Draft abstract;2026-12-01")
	r.ok("checkin", "rate", pair, ci, "--rating", "5", "--comment", "Useful")
	r.ok("win", "add", pair, "--text", "Talk accepted")
	r.ok("message", "send", pair, "--text", "See you Tuesday")

	if list := r.ok("pair", "list"); !strings.Contains(list, pair) || !strings.Contains(list, "Ana & Ben") {
		t.Errorf("pair list: got %q", list)
	}
	j1, j2 := r.ok("export", pair, "--format", "json"), r.ok("export", pair, "--format", "json")
	if j1 != j2 {
		t.Error("JSON export differs between two runs")
	}
	for _, want := range []string{`"Give a talk 🎤"`, `"in-progress"`, `"cadenceDays": 14`, `"Kick-off call"`, `"rating": 5`, `"Talk accepted"`, `"Europe/Lisbon"`, `"quick questions"`} {
		if !strings.Contains(j1, want) {
			t.Errorf("JSON export lacks %s", want)
		}
	}
	md := r.ok("export", pair, "--format", "md")
	for _, want := range []string{"# Ana & Ben", "Give a talk 🎤", "- [x] Pick a topic", "Meet every 14 days", "Kick-off call", "Ana rated it 5/5", "Signed by Ana"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown export lacks %q:\n%s", want, md)
		}
	}
}

func TestCLIErrors(t *testing.T) {
	r := runner{t: t, bin: binary(t), data: t.TempDir()}
	pair := r.ok("pair", "new", "--title", "P", "--me", "Ana", "--role", "mentor")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"goal", "add", pair, "--title", ""}, 1, "a goal needs a title"},
		{[]string{"checkin", "add", pair}, 2, "--date is required"},
		{[]string{"goal", "add", pair, "--title", "x", "--due", "31/01/2027"}, 1, "write it as YYYY-MM-DD"},
		{[]string{"goal", "add", "nope", "--title", "x"}, 1, "pairwise pair list"},
		{[]string{"pair", "new", "--title", "x", "--me", "A", "--role", "boss"}, 1, "use mentor or mentee"},
		{[]string{"agreement", "set", pair, "--cadence-days", "0"}, 1, "choose between 1 and 365 days"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"goal", "add"}, 2, "takes 1 argument"},
		{[]string{"export", pair, "--format", "docx"}, 1, "choose json, md, ics or pdf"},
	}
	for _, c := range cases {
		out, errOut, code := r.run(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("pairwise %s: got exit %d, stderr %q, stdout %q; want exit %d and %q", strings.Join(c.args, " "), code, errOut, out, c.code, c.want)
		}
	}
	help := r.ok("--help")
	for _, c := range []string{"pair new", "goal add", "checkin add", "export"} {
		if !strings.Contains(help, c) {
			t.Errorf("--help does not mention %q", c)
		}
	}
	if h := r.ok("goal", "set", "--help"); !strings.Contains(h, "--status STATUS") {
		t.Errorf("goal set --help: got %q", h)
	}
}

// TestTwoMachinesThroughRelay works a pair from two data folders through the
// real relay binary, using only the CLI, as two people's machines would.
// relayProcess is the real relay binary serving on loopback.
type relayProcess struct {
	addr, url, token, dir string
	cmd                   *exec.Cmd
}

func startRelayProcess(t *testing.T) *relayProcess {
	t.Helper()
	relayDir := t.TempDir()
	tok, err := exec.Command(relayBin, "token", "new", "--data", relayDir, "--name", "e2e").Output()
	if err != nil {
		t.Fatalf("token new: %v", err)
	}
	// Port 0: the relay binds a free port itself and logs it, so no port
	// is picked here and handed over, which another process could take in
	// between.
	srv := exec.Command(relayBin, "serve", "--listen", "127.0.0.1:0", "--data", relayDir, "--log-format", "json")
	log := &relaytest.Log{}
	srv.Stdout, srv.Stderr = log, log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
		if t.Failed() {
			t.Logf("relay log:\n%s", log)
		}
	})
	addr := servingAddr(t, log)
	return &relayProcess{addr: addr, url: "ws://" + addr, token: strings.TrimSpace(string(tok)), dir: relayDir, cmd: srv}
}

func TestTwoMachinesThroughRelay(t *testing.T) {
	bin := binary(t)
	rp := startRelayProcess(t)
	srv, addr, relayDir, tok := rp.cmd, rp.addr, rp.dir, rp.token
	a := runner{t: t, bin: bin, data: t.TempDir()}
	b := runner{t: t, bin: bin, data: t.TempDir()}
	url := "ws://" + addr
	pair := a.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	a.ok("relay", "set", url, "--token", tok)
	a.ok("sync", "--once")
	code := a.ok("pair", "invite", pair)
	b.ok("relay", "set", url)
	if got := b.ok("pair", "join", code, "--me", "Ben", "--role", "mentee"); got != pair {
		t.Fatalf("pair join printed %q, want %q", got, pair)
	}
	b.ok("sync", "--once")
	// Both work offline, then sync.
	a.ok("goal", "add", pair, "--title", "From Ana")
	b.ok("goal", "add", pair, "--title", "From Ben")
	b.ok("checkin", "add", pair, "--date", "2026-11-20", "--notes", "Notes only the pair can read")
	for _, r := range []runner{a, b, a} {
		r.ok("sync", "--once")
	}
	ja, jb := a.ok("export", pair, "--format", "json"), b.ok("export", pair, "--format", "json")
	if ja != jb {
		t.Fatalf("replicas differ after sync:\n%s\n---\n%s", ja, jb)
	}
	for _, want := range []string{"From Ana", "From Ben", "Ben"} {
		if !strings.Contains(ja, want) {
			t.Errorf("synced export lacks %q", want)
		}
	}
	// Each says when the partner's app last synced, from the pair itself.
	if st := a.ok("status"); !strings.Contains(st, "Ben's app last synced within the last hour") {
		t.Errorf("Ana's status does not say when Ben's app last synced: %q", st)
	}
	// A mistyped invite explains itself.
	bad := []byte(code)
	bad[len(bad)/2] ^= 1
	if _, errOut, c := b.run("pair", "join", string(bad), "--me", "X", "--role", "mentee"); c == 0 || !strings.Contains(strings.ToLower(errOut), "invite") {
		t.Errorf("mistyped invite: exit %d, %q", c, errOut)
	}
	// The relay down: a clear message and a non-zero exit.
	srv.Process.Kill()
	srv.Wait()
	if _, errOut, c := a.run("sync", "--once", "--timeout", "5s"); c == 0 || !strings.Contains(errOut, addr) {
		t.Errorf("sync with the relay down: exit %d, %q", c, errOut)
	}
	// The relay's folder holds none of what the pair typed.
	filepath.Walk(relayDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, secret := range []string{"From Ana", "Notes only the pair can read", "Ana & Ben"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("relay file %s holds %q in plain text", p, secret)
			}
		}
		return nil
	})
}

// servingAddr waits for the relay's "relay serving" line and returns the
// host:port it names. The listener is bound before the line is logged.
// The deadline only bounds a relay that never starts.
func servingAddr(t *testing.T, log *relaytest.Log) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if addr := relaytest.Served(log.String())["relay serving"]; addr != "" {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay never said where it serves:\n%s", log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCLIPractices runs the mentoring-practice commands end to end: status,
// private notes, prompts, messages, a closing reflection, closure and the
// PDF record of a closed pair.
func TestCLIPractices(t *testing.T) {
	r := runner{t: t, bin: binary(t), data: t.TempDir()}
	pair := r.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	if st := r.ok("status"); !strings.Contains(st, "Ana & Ben") || !strings.Contains(st, "no meeting rhythm agreed yet") {
		t.Errorf("status before a cadence: %q", st)
	}
	r.ok("agreement", "set", pair, "--cadence-days", "14", "--my-hours", "mon-fri 09:00-17:00", "--tz", "Europe/Lisbon")
	if st := r.ok("status"); !strings.Contains(st, "next check-in due in 14 days") {
		t.Errorf("status: %q", st)
	}
	if _, errOut, code := r.run("note", "add", pair, "--text", "x"); code == 0 || !strings.Contains(errOut, "--private") {
		t.Errorf("note add without --private: exit %d, %q", code, errOut)
	}
	r.ok("note", "add", pair, "--private", "--text", "Remember to ask about the move")
	if list := r.ok("note", "list", pair); !strings.Contains(list, "Remember to ask about the move") {
		t.Errorf("note list: %q", list)
	}
	if j := r.ok("export", pair, "--format", "json"); strings.Contains(j, "Remember to ask") {
		t.Error("the JSON export holds a private note")
	}
	next := r.ok("prompt", "next", pair)
	id, _, _ := strings.Cut(next, " ")
	r.ok("prompt", "answer", pair, id, "--text", "Through teaching")
	if _, errOut, code := r.run("pair", "close", pair); code == 0 || !strings.Contains(errOut, "closing reflection") {
		t.Errorf("close without a reflection: exit %d, %q", code, errOut)
	}
	if qs := r.ok("reflect", pair, "--kind", "closing"); !strings.Contains(qs, "learned") {
		t.Errorf("reflect lists no questions: %q", qs)
	}
	r.ok("reflect", pair, "--kind", "closing", "--answer", "learned=To listen first", "--rating", "5")
	r.ok("pair", "close", pair)
	if _, errOut, code := r.run("goal", "add", pair, "--title", "late"); code == 0 || !strings.Contains(errOut, "closed") {
		t.Errorf("goal add on a closed pair: exit %d, %q", code, errOut)
	}
	if st := r.ok("status"); !strings.Contains(st, "closed on") {
		t.Errorf("status of a closed pair: %q", st)
	}
	out := filepath.Join(t.TempDir(), "record.pdf")
	r.ok("export", pair, "--format", "pdf", "--out", out)
	if b, err := os.ReadFile(out); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("PDF record: %v, starts %q", err, b[:min(len(b), 8)])
	}
}

// TestCohortThroughRelay runs a cohort with the real binaries: a manager
// plans it, a mentor joins and links a pair, and the manager's health
// export (parsed back as CSV) shows the pair's rhythm and progress, while
// the member cannot change the programme.
func TestCohortThroughRelay(t *testing.T) {
	bin := binary(t)
	rp := startRelayProcess(t)
	mgr := runner{t: t, bin: bin, data: t.TempDir()}
	ana := runner{t: t, bin: bin, data: t.TempDir()}
	for _, r := range []runner{mgr, ana} {
		r.ok("relay", "set", rp.url, "--token", rp.token)
	}
	cohort := mgr.ok("cohort", "new", "--title", "Spring 2027", "--me", "Dana", "--start", "2027-03-01", "--end", "2027-08-31")
	if len(cohort) != 32 {
		t.Fatalf("cohort new printed %q, want the ID alone", cohort)
	}
	mgr.ok("cohort", "event", "add", cohort, "--kind", "training", "--title", "Giving feedback", "--date", "2027-04-14", "--time", "16:00")
	mgr.ok("cohort", "roster", "add", cohort, "--name", "Zoe", "--role", "mentee")
	mgr.ok("sync", "--once")
	code := mgr.ok("cohort", "invite", cohort)

	pair := ana.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	ana.ok("agreement", "set", pair, "--cadence-days", "14", "--start", "2026-11-01")
	goal := ana.ok("goal", "add", pair, "--title", "Lead a small team")
	ana.ok("goal", "set", pair, goal, "--status", "achieved")
	ana.ok("checkin", "add", pair, "--date", "2026-11-20", "--notes", "Talked about the promotion")
	if got := ana.ok("cohort", "join", code); got != cohort {
		t.Fatalf("cohort join printed %q, want %q", got, cohort)
	}
	ana.ok("sync", "--once")
	ana.ok("cohort", "link", pair, cohort)
	ana.ok("sync", "--once")
	if _, errOut, c := ana.run("cohort", "event", "add", cohort, "--title", "Party", "--date", "2027-05-01"); c == 0 || !strings.Contains(errOut, "only the cohort's manager") {
		t.Errorf("a member changed the programme: exit %d, %q", c, errOut)
	}
	if out := ana.ok("cohort", "show", cohort); !strings.Contains(out, "Giving feedback") || !strings.Contains(out, "run by Dana") {
		t.Errorf("the member's view of the cohort:\n%s", out)
	}

	mgr.ok("sync", "--once")
	rows, err := csv.NewReader(strings.NewReader(mgr.ok("cohort", "export", cohort, "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatalf("the health export is not CSV: %v", err)
	}
	if len(rows) != 2 {
		t.Fatalf("health export has %d lines, want a header and one pair: %v", len(rows), rows)
	}
	got := map[string]string{}
	for i, col := range rows[0] {
		got[col] = rows[1][i]
	}
	for col, want := range map[string]string{"apps last heard": "Ana today", "quietest app (days)": "0", "pair": "Ana & Ben", "mentors": "Ana", "last contact": "2026-11-20", "next check-in": "2026-12-04", "cadence (days)": "14", "check-ins": "1", "goals": "1", "achieved": "1", "progress (%)": "100"} {
		if got[col] != want {
			t.Errorf("health export %q = %q, want %q", col, got[col], want)
		}
	}
	if out := mgr.ok("status"); !strings.Contains(out, "Cohort Spring 2027: 1 pair reporting") {
		t.Errorf("the manager's status does not sum up the cohort:\n%s", out)
	}
	if out := mgr.ok("cohort", "show", cohort); !strings.Contains(out, "Zoe (mentee): on the roster, not in a linked pair yet") {
		t.Errorf("the manager's view does not say who has not joined:\n%s", out)
	}
	all := mgr.ok("cohort", "export", cohort, "--format", "csv") + mgr.ok("cohort", "show", cohort)
	if strings.Contains(all, "promotion") || strings.Contains(all, "Lead a small team") {
		t.Errorf("the manager sees what the pair wrote:\n%s", all)
	}
}
