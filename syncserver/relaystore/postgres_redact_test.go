package relaystore

import (
	"strings"
	"testing"
)

func TestRedactURLWithSlashInPassword(t *testing.T) {
	for _, u := range []string{
		"postgres://relay:se/cret@db.example.org/pairwise",
		"postgres://relay:se cret@db.example.org/pairwise",
		"postgres://relay:sec%ZZret@db.example.org/pairwise",
		"postgres://db.example.org/pairwise?user=relay&password=secret",
		"postgres://relay:secret@db.example.org/pairwise?password=secret",
		"postgres://relay:s@cret@db.example.org/pairwise",
	} {
		got := RedactURL(u)
		if strings.Contains(got, "cret") {
			t.Errorf("RedactURL(%q) = %q: the password shows", u, got)
		}
	}
}
