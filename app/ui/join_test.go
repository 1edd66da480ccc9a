package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// inviteThrough makes a pair that syncs through relay in another data
// folder and returns its invite code.
func inviteThrough(t *testing.T, relay string) string {
	t.Helper()
	_, other := setup(t)
	if err := other.UpdateSettings(func(s *workspace.Settings) { s.Relay = relay }); err != nil {
		t.Fatal(err)
	}
	id, err := other.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	code, err := other.Invite(id, false)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// The Join dialog names the invite's relay as soon as the code is pasted,
// and joining over ws:// to another computer takes an explicit tick.
func TestJoinDialogShowsTheRelayAndConfirmsAnUnencryptedOne(t *testing.T) {
	for _, tc := range []struct {
		name, relay string
		warns       bool
	}{
		{"wss", "wss://relay.example.org", false},
		{"loopback ws", "ws://127.0.0.1:9400", false},
		{"remote ws", "ws://relay.example.org:9400", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := inviteThrough(t, tc.relay)
			u, ws := setup(t)
			u.joinDialog()
			dlg := topOverlay(t, u)
			entries := all[*widget.Entry](dlg)
			test.Type(entries[0], code)
			test.Type(entries[1], "Ben")
			all[*widget.Select](dlg)[0].SetSelected(string(mentoring.Mentee))
			shown := strings.Join(visibleLabels(dlg), " ")
			host := strings.SplitN(tc.relay, "//", 2)[1]
			if !strings.Contains(shown, "syncs through the relay at "+host) || !strings.Contains(shown, host+" becomes your default relay") {
				t.Fatalf("before joining, the dialog says %q; want it to name %s and say it becomes the default", shown, host)
			}
			if got := strings.Contains(shown, "is not encrypted"); got != tc.warns {
				t.Fatalf("warns about an unencrypted connection: got %v, want %v (%q)", got, tc.warns, shown)
			}
			if tc.warns {
				test.Tap(button(t, dlg, "Join"))
				if ids, _ := ws.IDs(); len(ids) != 0 || ws.Settings().Relay != "" {
					t.Fatalf("joined without the tick: %v, relay %q", ids, ws.Settings().Relay)
				}
				if shown := strings.Join(visibleLabels(dlg), " "); !strings.Contains(shown, "tick \"I trust this network\"") {
					t.Fatalf("the refusal does not say what to do: %q", shown)
				}
				test.Tap(check(t, dlg, "I trust this network"))
			}
			test.Tap(button(t, dlg, "Join"))
			if ids, _ := ws.IDs(); len(ids) != 1 {
				t.Fatalf("after joining: %v", ids)
			}
			if got := ws.Settings().Relay; got != tc.relay {
				t.Errorf("default relay: got %q, want %q", got, tc.relay)
			}
			if !strings.Contains(u.saved.Text, host+" is now your default relay") {
				t.Errorf("status: got %q, want it to say the default relay was set", u.saved.Text)
			}
		})
	}
}

// Changing the relay in Settings clears the token given for the old one.
func TestSettingsForgetTheTokenWithTheRelay(t *testing.T) {
	u, ws := setup(t)
	if err := ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = "wss://relay.example.org", "t1" }); err != nil {
		t.Fatal(err)
	}
	u.settingsDialog()
	dlg := topOverlay(t, u)
	entries := all[*widget.Entry](dlg)
	entries[1].SetText("wss://other.example.org")
	if entries[2].Text != "" {
		t.Fatalf("the token field still holds %q after the relay changed", entries[2].Text)
	}
	test.Tap(button(t, dlg, "Save"))
	if set := ws.Settings(); set.Relay != "wss://other.example.org" || set.Token != "" {
		t.Fatalf("after saving: relay %q token %q, want the new relay and no token", set.Relay, set.Token)
	}
}

// visibleLabels returns the text of the labels under o that are shown.
func visibleLabels(o fyne.CanvasObject) []string {
	var out []string
	for _, l := range all[*widget.Label](o) {
		if l.Visible() {
			out = append(out, l.Text)
		}
	}
	return out
}

func check(t *testing.T, o fyne.CanvasObject, prefix string) *widget.Check {
	t.Helper()
	for _, c := range all[*widget.Check](o) {
		if strings.HasPrefix(c.Text, prefix) && c.Visible() {
			return c
		}
	}
	t.Fatalf("no check box %q shown", prefix)
	return nil
}
