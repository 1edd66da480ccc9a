package seal

import "testing"

// Every member derives the same board and capabilities from the invite;
// nothing derived equals the key, another capability, or another cohort's.
func TestCohortDerivations(t *testing.T) {
	p1, p2 := NewDocID(), NewDocID()
	if BoardID(p1) != BoardID(p1) {
		t.Fatal("the board ID is not the same on every machine")
	}
	if BoardID(p1) == BoardID(p2) || BoardID(p1) == p1 {
		t.Fatal("two cohorts share a board ID, or the board has the programme's ID")
	}
	k1, k2 := NewKey(), NewKey()
	a, b := DeriveCohortCaps(k1), DeriveCohortCaps(k1)
	if a != b {
		t.Fatal("capabilities differ between two derivations from one key")
	}
	other := DeriveCohortCaps(k2)
	seen := map[Secret]string{Secret(k1): "the key"}
	for name, s := range map[string]Secret{"programme read": a.ProgrammeRead, "board write": a.BoardWrite, "board read": a.BoardRead,
		"another cohort's programme read": other.ProgrammeRead, "another cohort's board write": other.BoardWrite} {
		if prev, dup := seen[s]; dup {
			t.Fatalf("%s equals %s", name, prev)
		}
		seen[s] = name
	}
}
