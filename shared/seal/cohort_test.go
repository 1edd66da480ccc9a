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

// Every member of a cohort may write its board: each derives the board's
// root from the cohort key on their own and certifies their devices with
// it. Another cohort's key gives no say over this board.
func TestBoardWriters(t *testing.T) {
	cohortKey, otherKey := Key{0xc0, 0x40}, Key{0xc0, 0x41}
	board := BoardID([16]byte{0x50})
	alice, bob, mallory := fixedDeviceKey(0x00), fixedDeviceKey(0x20), fixedDeviceKey(0x40)

	if a, b := BoardAuthority(cohortKey), BoardAuthority(cohortKey); a.Pub() != b.Pub() {
		t.Fatalf("BoardAuthority: got %x then %x from one key, want the same", a.Pub(), b.Pub())
	}
	root := BoardAuthority(cohortKey).Pub()
	if root == BoardAuthority(otherKey).Pub() {
		t.Fatal("BoardAuthority: two cohort keys give the same root")
	}
	// Members present their capabilities to the relay, so the root's seed
	// must be none of them, or the relay could certify writers itself.
	seed := Secret(BoardAuthority(cohortKey).Seed())
	caps := DeriveCohortCaps(cohortKey)
	for name, s := range map[string]Secret{"the cohort key": Secret(cohortKey), "programme read": caps.ProgrammeRead,
		"board write": caps.BoardWrite, "board read": caps.BoardRead} {
		if seed == s {
			t.Fatalf("BoardAuthority: got a seed equal to %s, want a seed of its own", name)
		}
	}

	w := NewWriters(board, root)
	// Alice and Bob each hold the key and certify their own devices.
	mustAdd(t, w, BoardAuthority(cohortKey).Issue(CertWriter, board, alice.Pub()).Encode())
	mustAdd(t, w, BoardAuthority(cohortKey).Issue(CertWriter, board, bob.Pub()).Encode())
	// Mallory holds another cohort's key.
	forged := BoardAuthority(otherKey).Issue(CertWriter, board, mallory.Pub()).Encode()
	if added := mustAdd(t, w, forged); len(added) != 0 {
		t.Fatalf("another cohort's authority: got %d accepted, want none", len(added))
	}
	assertWriter(t, w, alice, "alice")
	assertWriter(t, w, bob, "bob")
	assertNotWriter(t, w, mallory, "mallory")
	if got, want := w.Count(), 3; got != want {
		t.Fatalf("Count: got %d, want %d (the authority, alice and bob)", got, want)
	}
}
