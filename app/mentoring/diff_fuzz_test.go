package mentoring

import (
	"strings"
	"testing"
)

// FuzzDiffTokens: whatever the texts, the kept and removed runs spell the
// old one and the kept and added runs the new one.
func FuzzDiffTokens(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Add("same\nsame", "same")
	f.Add("🙏\n\n", "\n🙏")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		var old, neu []string
		for _, s := range diffTokens(strings.Split(a, "\n"), strings.Split(b, "\n")) {
			if s.op != '+' {
				old = append(old, s.text)
			}
			if s.op != '-' {
				neu = append(neu, s.text)
			}
		}
		if got := strings.Join(old, "\n"); got != a {
			t.Errorf("old side: got %q, want %q", got, a)
		}
		if got := strings.Join(neu, "\n"); got != b {
			t.Errorf("new side: got %q, want %q", got, b)
		}
		_ = TextDiff(a, b)
	})
}

// FuzzParsePart: a part is refused or names a kind it knows, and prints
// back as typed (trimmed).
func FuzzParsePart(f *testing.F) {
	for _, s := range []string{"agreement", "goal:abc", "checkin:", "x:y:z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := ParsePart(s)
		if err != nil {
			return
		}
		if pt.String() != strings.TrimSpace(s) {
			t.Errorf("ParsePart(%q) prints as %q", s, pt.String())
		}
	})
}
