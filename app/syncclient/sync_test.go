package syncclient

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

func TestTwoReplicasConvergeAfterOfflineEdits(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	a.mustSync() // Ana receives Ben's membership

	p, _ := a.ws.Pair(pair)
	if len(p.Members) != 2 {
		t.Fatalf("members after join: got %d, want 2", len(p.Members))
	}
	// Both work offline, touching the same and different fields.
	g := a.addGoal(pair, "From Ana")
	b.addGoal(pair, "From Ben")
	a.edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, mentoring.AgreementInput{Expectations: ptr("Ana: be on time.")})
	})
	b.edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, mentoring.AgreementInput{Boundaries: ptr("Ben: no weekend calls.")})
	})
	for _, x := range []*replica{a, b, a} {
		x.mustSync()
	}
	ja, jb := a.json(pair), b.json(pair)
	if ja != jb {
		t.Fatalf("exports differ after sync:\nA: %s\nB: %s", ja, jb)
	}
	for _, want := range []string{"From Ana", "From Ben", "Ana: be on time.", "Ben: no weekend calls.", g} {
		if !strings.Contains(ja, want) {
			t.Errorf("converged export lacks %q", want)
		}
	}
	st, _ := a.ws.Store().State(pair)
	if st.Pending() != 0 {
		t.Errorf("A still has %d changes pending after sync", st.Pending())
	}
}

func TestReadOnlyMemberCannotPush(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, true)
	if _, err := b.ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddWin(p, me, "x", "", time.Now())
	}); !errors.Is(err, workspace.ErrReadOnly) {
		t.Fatalf("local edit on a read-only pair: got %v, want ErrReadOnly", err)
	}
	// Even a tampered client that claims write access with the read secret
	// is refused by the relay.
	if err := b.ws.SetMeta(pair, func(m *workspace.Meta) { m.Write = m.Read }); err != nil {
		t.Fatal(err)
	}
	b.addGoal(pair, "sneaky")
	err := b.sync()
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeReadOnly || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("push with the read capability: got %v, want a read_only refusal", err)
	}
	a.mustSync()
	if strings.Contains(a.json(pair), "sneaky") {
		t.Error("the refused push reached the writer")
	}
}

func TestWrongCapabilityIsRefused(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	if err := b.ws.SetMeta(pair, func(m *workspace.Meta) { m.Write = bytes.Repeat([]byte{7}, 32) }); err != nil {
		t.Fatal(err)
	}
	err := b.sync()
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeUnauthorized {
		t.Fatalf("got %v, want an unauthorized refusal", err)
	}
}

func TestCreatingAPairNeedsAToken(t *testing.T) {
	r := startRelay(t)
	a := newReplica(t, r)
	_ = a.ws.UpdateSettings(func(s *workspace.Settings) { s.Token = "" })
	if _, err := a.ws.NewPair("P", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	err := a.sync()
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeUnauthorized {
		t.Fatalf("got %v, want an unauthorized refusal", err)
	}
}

func TestRelayUnreachableSaysSo(t *testing.T) {
	r := startRelay(t)
	a := newReplica(t, r)
	r.kill()
	if _, err := a.ws.NewPair("P", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	err := a.sync()
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "saved here") {
		t.Fatalf("got %v, want ErrUnreachable with a reassuring sentence", err)
	}
}

func TestRelaySIGKILLMidSyncLosesNothingAcknowledged(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	const n = 400
	for i := 0; i < n; i++ {
		a.addGoal(pair, "goal "+itoa(i))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = a.sync() // fails when the relay dies
	}()
	// Kill as soon as the relay has acknowledged part of the burst.
	for i := 0; i < 2000; i++ {
		st, _ := a.ws.Store().State(pair)
		if st.Acked > 20 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	r.kill()
	wg.Wait()
	acked, _ := a.ws.Store().State(pair)
	r.start()
	a.mustSync()
	b.mustSync()
	if a.json(pair) != b.json(pair) {
		t.Fatal("replicas differ after the relay restarted")
	}
	p, _ := b.ws.Pair(pair)
	if len(p.Goals) != n {
		t.Fatalf("after restart the partner has %d goals, want %d (relay had acknowledged %d before the kill)", len(p.Goals), n, acked.Acked)
	}
}

func TestRelayStoresNoPlaintext(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	secret := "Confidential: thinking of leaving my job"
	a.addGoal(pair, secret)
	for i := 0; i < SnapshotEvery+10; i++ { // enough for a snapshot upload too
		a.addGoal(pair, "filler "+itoa(i))
	}
	a.mustSync()
	b.mustSync()
	r.kill()
	for _, needle := range []string{secret, "Ana & Ben", "Ben", "filler 3"} {
		_ = filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(path)
			if bytes.Contains(data, []byte(needle)) {
				t.Errorf("relay file %s contains %q", path, needle)
			}
			return nil
		})
		if strings.Contains(r.log.String(), needle) {
			t.Errorf("relay log contains %q", needle)
		}
	}
}

func TestFarBehindReplicaGetsSnapshotPlusTail(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	for i := 0; i < 3*SnapshotEvery; i++ {
		a.addGoal(pair, "goal "+itoa(i))
		if i%SnapshotEvery == SnapshotEvery-1 {
			a.mustSync()
		}
	}
	a.mustSync()
	st, _ := a.ws.Store().State(pair)
	if st.RelaySnap == 0 {
		t.Fatal("the writer never uploaded a snapshot")
	}
	c := newReplica(t, r)
	code, _ := a.ws.Invite(pair, true)
	if _, err := c.ws.Join(code, "Cat", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	c.mustSync()
	if a.json(pair) != c.json(pair) {
		t.Fatal("the late joiner differs from the writer")
	}
}

func TestRecordSealedWithAnotherKeyIsRefused(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	before := a.json(pair)
	// Ben's copy of the key is damaged: his records cannot be opened by Ana.
	if err := b.ws.SetMeta(pair, func(m *workspace.Meta) { m.Key = bytes.Repeat([]byte{1}, 32) }); err != nil {
		t.Fatal(err)
	}
	b.addGoal(pair, "garbled")
	b.mustSync()
	err := a.sync()
	if !errors.Is(err, ErrRefusedRecord) {
		t.Fatalf("got %v, want ErrRefusedRecord", err)
	}
	if a.json(pair) != before {
		t.Error("a record that failed to open changed the document")
	}
}

func ptr[T any](v T) *T { return &v }

func itoa(i int) string { return strconv.Itoa(i) }
