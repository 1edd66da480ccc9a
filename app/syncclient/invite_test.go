package syncclient

import (
	"errors"
	"strings"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// The partner who joined with a write invite can invite a reader too: the
// write invite carried the pair's read-only key. The reader syncs the
// pair, sees it, and stays read-only.
func TestAPartnerWhoJoinedCanInviteAReader(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	ben.addGoal(pair, "written by Ben")
	ben.mustSync()

	code, err := ben.ws.Invite(pair, true)
	if err != nil {
		t.Fatalf("Ben's read-only invite: %v", err)
	}
	carol := newReplica(t, r)
	if _, err := carol.ws.Join(code, "Carol", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	carol.mustSync()
	if !strings.Contains(carol.json(pair), "written by Ben") {
		t.Fatal("the reader Ben invited does not see the pair")
	}
	if meta, _ := carol.ws.Meta(pair); !meta.ReadOnly() {
		t.Fatal("the reader Ben invited can write")
	}
}

// Whoever joined with a write invite from before it carried the read-only
// key is told why it cannot make a read-only invite, and what to do.
func TestAJoinerWithoutTheReadOnlyKeyIsToldWhy(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	if meta, _ := ben.ws.Meta(pair); len(meta.Read) == 0 {
		t.Fatal("Ben's write invite did not carry the read-only key")
	}
	if err := ben.ws.SetMeta(pair, func(m *workspace.Meta) { m.Read = nil }); err != nil { // as an older write invite left it
		t.Fatal(err)
	}
	_, err := ben.ws.Invite(pair, true)
	if !errors.Is(err, workspace.ErrNoReadSecret) || !strings.Contains(err.Error(), "ask your partner") {
		t.Fatalf("got %v, want ErrNoReadSecret saying what to do", err)
	}
	if _, err := ben.ws.Invite(pair, false); err != nil {
		t.Fatalf("a write invite from the same computer: %v", err)
	}
}

// ErrNoReadSecret says to join again with a new invite: a computer that
// already holds the pair takes the read-only key from it, and can then
// invite a reader.
func TestJoiningAgainWithANewWriteInviteBringsTheReadOnlyKey(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	if err := ben.ws.SetMeta(pair, func(m *workspace.Meta) { m.Read = nil }); err != nil { // as an older write invite left it
		t.Fatal(err)
	}
	code, err := ana.ws.Invite(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := ben.ws.Join(code, "Ben", mentoring.Mentee); err != nil || id != pair {
		t.Fatalf("joining again with a new write invite: %q, %v", id, err)
	}
	code, err = ben.ws.Invite(pair, true)
	if err != nil {
		t.Fatalf("Ben's read-only invite after joining again: %v", err)
	}
	carol := newReplica(t, r)
	if _, err := carol.ws.Join(code, "Carol", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	carol.mustSync()
	if meta, _ := carol.ws.Meta(pair); !meta.ReadOnly() || !strings.Contains(carol.json(pair), "Ben") {
		t.Fatal("the reader Ben invited does not see the pair, or can write")
	}
}
