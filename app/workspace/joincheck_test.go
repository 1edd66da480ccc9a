package workspace

import (
	"strings"
	"testing"

	"pairwise/app/mentoring"
)

func TestInsecureRelay(t *testing.T) {
	for relay, want := range map[string]bool{
		"wss://relay.example.org":     false,
		"ws://relay.example.org":      true,
		"ws://192.168.1.20:8080":      true,
		"WS://relay.example.org":      true,
		"ws://127.0.0.1:8080":         false,
		"ws://127.8.9.10:8080":        false,
		"ws://localhost:8080":         false,
		"ws://[::1]:8080":             false,
		"wss://127.0.0.1:8080":        false,
		"ws://localhost.evil.example": true,
	} {
		if got := InsecureRelay(relay); got != want {
			t.Errorf("InsecureRelay(%q): got %v, want %v", relay, got, want)
		}
	}
}

// inviteVia returns an invite code to a new pair that syncs through relay.
func inviteVia(t *testing.T, relay string) string {
	t.Helper()
	ws := openTemp(t)
	if err := ws.UpdateSettings(func(s *Settings) { s.Relay = relay }); err != nil {
		t.Fatal(err)
	}
	id, err := ws.NewPair("Invited", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	code, err := ws.Invite(id, false)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Joining shows the invite's relay first, warns about ws:// to another
// computer, and sets only the joined pair's relay unless none was set.
func TestJoiningSaysWhichRelayAndKeepsTheDefault(t *testing.T) {
	for _, tc := range []struct {
		name, relay, def string
		insecure         bool
		wantDefault      string // the default relay after joining
		wantNote         string
	}{
		{"first relay", "wss://relay.example.org", "", false, "wss://relay.example.org", "becomes your default relay: new pairs, and the 1 pairs or cohorts"},
		{"same relay", "wss://relay.example.org", "wss://relay.example.org", false, "wss://relay.example.org", "syncs through the relay at relay.example.org."},
		{"another relay", "wss://other.example.org", "wss://relay.example.org", false, "wss://relay.example.org", "Your default relay stays relay.example.org"},
		{"loopback ws", "ws://127.0.0.1:9000", "ws://127.0.0.1:9000", false, "ws://127.0.0.1:9000", "relay at 127.0.0.1:9000"},
		{"remote ws", "ws://relay.example.org:9000", "", true, "ws://relay.example.org:9000", "is not encrypted (ws://, not wss://)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := inviteVia(t, tc.relay)
			ws := openTemp(t)
			if _, err := ws.NewPair("Mine", "Ben", mentoring.Mentee); err != nil {
				t.Fatal(err)
			}
			if err := ws.UpdateSettings(func(s *Settings) { s.Relay, s.Token = tc.def, "org-token" }); err != nil {
				t.Fatal(err)
			}
			r, err := ws.CheckInvite(code)
			if err != nil {
				t.Fatal(err)
			}
			if r.Insecure != tc.insecure {
				t.Errorf("Insecure: got %v, want %v", r.Insecure, tc.insecure)
			}
			notes := strings.Join(r.Notes(), " ")
			if !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes: got %q, want them to say %q", notes, tc.wantNote)
			}
			if ids, _ := ws.IDs(); len(ids) != 1 {
				t.Fatalf("checking the invite saved something: %v", ids)
			}
			id, err := ws.Join(code, "Ben", mentoring.Mentee)
			if err != nil {
				t.Fatal(err)
			}
			set := ws.Settings()
			if set.Relay != tc.wantDefault {
				t.Errorf("default relay: got %q, want %q", set.Relay, tc.wantDefault)
			}
			if wantToken := map[bool]string{true: "", false: "org-token"}[tc.def == ""]; set.Token != wantToken {
				t.Errorf("token: got %q, want %q (a token kept without a relay is not handed to the invite's)", set.Token, wantToken)
			}
			if m, _ := ws.Meta(id); m.Relay != tc.relay {
				t.Errorf("the pair's relay: got %q, want %q", m.Relay, tc.relay)
			}
		})
	}
}
