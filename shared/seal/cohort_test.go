package seal

import "testing"

// A member of a cohort derives the board from the invite alone, every
// member derives the same board, and nothing derived is the member secret
// itself (which is the programme's read capability) or the other capability.
func TestCohortDerivations(t *testing.T) {
	p1, p2 := NewDocID(), NewDocID()
	if BoardID(p1) != BoardID(p1) {
		t.Fatal("the board ID is not the same on every machine")
	}
	if BoardID(p1) == BoardID(p2) || BoardID(p1) == p1 {
		t.Fatal("two cohorts share a board ID, or the board has the programme's ID")
	}
	m1, m2 := NewSecret(), NewSecret()
	w1, r1 := BoardSecrets(m1)
	w1b, r1b := BoardSecrets(m1)
	if w1 != w1b || r1 != r1b {
		t.Fatal("board capabilities differ between two derivations from one secret")
	}
	w2, _ := BoardSecrets(m2)
	if w1 == r1 || w1 == m1 || r1 == m1 || w1 == w2 {
		t.Fatal("derived capabilities collide with each other, the member secret, or another cohort's")
	}
}
