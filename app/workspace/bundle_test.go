package workspace

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"pairwise/app/bundle"
	"pairwise/app/mentoring"
	"pairwise/shared/seal"
)

// byFile is a pair made on a and joined on the others by an invite that
// names no relay, each joiner holding it until a file from a arrives.
func byFile(t *testing.T, a *Workspace, others ...*Workspace) string {
	t.Helper()
	pair, err := a.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	code, err := a.Invite(pair, false)
	if err != nil {
		t.Fatalf("invite with no relay set: %v", err)
	}
	inv, err := seal.ParseInvite(code)
	if err != nil || inv.Relay != "" {
		t.Fatalf("invite with no relay: got relay %q (%v), want none", inv.Relay, err)
	}
	for i, o := range others {
		name := []string{"Ben", "Cleo", "Dev"}[i]
		if _, err := o.Join(code, name, mentoring.Mentee); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Pair(pair); err == nil {
			t.Fatalf("%s: the pair reads before its first file arrived", name)
		}
		file := exportFile(t, a, pair, false)
		sum, err := o.ImportBundle(file)
		if err != nil {
			t.Fatalf("%s: first file: %v", name, err)
		}
		if sum.New == 0 || !strings.Contains(sum.Arrived(), "from Ana") {
			t.Errorf("%s: got %q, want the changes from Ana", name, sum.Arrived())
		}
		p, err := o.Pair(pair)
		if err != nil {
			t.Fatalf("%s: after the first file: %v", name, err)
		}
		if !hasMember(p, name) {
			t.Errorf("%s is not a member after the first file arrived", name)
		}
	}
	return pair
}

func hasMember(p *mentoring.Pair, name string) bool {
	for _, m := range p.Members {
		if m.Name == name {
			return true
		}
	}
	return false
}

func exportFile(t *testing.T, w *Workspace, pair string, sincePartner bool) []byte {
	t.Helper()
	file, _, err := w.ExportBundle(pair, sincePartner)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return file
}

func jsonOf(t *testing.T, w *Workspace, pair string) string {
	t.Helper()
	var b bytes.Buffer
	if err := w.Export(pair, "json", &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func goal(t *testing.T, w *Workspace, pair, title string) {
	t.Helper()
	if _, err := w.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, w.Now())
	}); err != nil {
		t.Fatal(err)
	}
}

// Three replicas that never reach a relay edit and pass files around in a
// random order, with files imported twice, old after new and crossing;
// after one last round of files they all export the same pair.
func TestBundlesConvergeInAnyOrder(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			reps := []*Workspace{openTemp(t), openTemp(t), openTemp(t)}
			pair := byFile(t, reps[0], reps[1], reps[2])
			convergeByFiles(t, reps, pair, rand.New(rand.NewPCG(seed, 15)))
		})
	}
}

// convergeByFiles runs rounds of edits and files among reps, then a last
// full exchange, and checks they agree.
func convergeByFiles(t *testing.T, reps []*Workspace, pair string, rng *rand.Rand) {
	t.Helper()
	var files [][]byte // every file saved, in order
	goals := 0
	for round := range 12 {
		r := rng.IntN(len(reps))
		goal(t, reps[r], pair, "goal "+strconv.Itoa(round))
		goals++
		files = append(files, exportFile(t, reps[rng.IntN(len(reps))], pair, rng.IntN(2) == 0))
		for range 3 { // any file, old or new, to anyone, twice or not
			f := files[rng.IntN(len(files))]
			_, err := reps[rng.IntN(len(reps))].ImportBundle(f)
			if err != nil && !errors.Is(err, ErrBundleGap) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	// One last round of whole files; and the newest twice, crossed.
	var last [][]byte
	for _, w := range reps {
		last = append(last, exportFile(t, w, pair, false))
	}
	for i, w := range reps {
		for j, f := range last {
			if i == j {
				continue
			}
			if _, err := w.ImportBundle(f); err != nil {
				t.Fatalf("last round, %d from %d: %v", i, j, err)
			}
		}
	}
	want := jsonOf(t, reps[0], pair)
	for i, w := range reps[1:] {
		if got := jsonOf(t, w, pair); got != want {
			t.Fatalf("replica %d differs from replica 0:\n%s\nwant:\n%s", i+1, got, want)
		}
	}
	p, _ := reps[0].Pair(pair)
	if len(p.Goals) != goals || len(p.Members) != len(reps) {
		t.Errorf("got %d goals and %d members, want %d and %d", len(p.Goals), len(p.Members), goals, len(reps))
	}
	// Importing again brings nothing and says so.
	sum, err := reps[0].ImportBundle(last[1])
	if err != nil || sum.New != 0 || !strings.HasPrefix(sum.Arrived(), "nothing new: you had") {
		t.Errorf("again: got %q (%v), want nothing new", sum.Arrived(), err)
	}
}

// Since the partner: once a file from the partner says what it holds, the
// next file carries only what it lacks.
func TestSincePartnerCarriesOnlyWhatIsMissing(t *testing.T) {
	a, b := openTemp(t), openTemp(t)
	pair := byFile(t, a, b)
	if _, err := a.ImportBundle(exportFile(t, b, pair, false)); err != nil {
		t.Fatal(err)
	}
	goal(t, a, pair, "one")
	goal(t, a, pair, "two")
	_, sum, err := a.ExportBundle(pair, true)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Changes != 2 {
		t.Errorf("since the partner: got %d changes, want the 2 new ones", sum.Changes)
	}
	got, err := b.ImportBundle(exportFile(t, a, pair, true))
	if err != nil || got.New != 2 {
		t.Fatalf("got %d new (%v), want 2", got.New, err)
	}
	if jsonOf(t, a, pair) != jsonOf(t, b, pair) {
		t.Error("the replicas differ after the file since the partner")
	}
}

// Every refused file says why and changes nothing.
func TestBadBundlesAreRefusedAndChangeNothing(t *testing.T) {
	a, b := openTemp(t), openTemp(t)
	pair := byFile(t, a, b)
	goal(t, a, pair, "only in the file")
	good := exportFile(t, a, pair, false)

	other := openTemp(t)
	otherPair, err := other.NewPair("Someone else", "Zoe", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	foreignFile := exportFile(t, other, otherPair, false)

	newer := bytes.Clone(good)
	newer[len("PWBUNDLE")] = bundle.Version + 1

	// A device that holds the pair's key but was never made a writer.
	meta, _ := a.Meta(pair)
	var key seal.Key
	copy(key[:], meta.Key)
	var doc [16]byte
	copy(doc[:], hexBytes(t, pair))
	stranger, err := bundle.Write(key, seal.NewDeviceKey(), bundle.Contents{Pair: doc, Certs: meta.Certs})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"truncated", good[:len(good)-10], bundle.ErrDamaged},
		{"cut in its header", good[:40], bundle.ErrDamaged},
		{"empty", nil, bundle.ErrDamaged},
		{"foreign pair", foreignFile, ErrBundleForeign},
		{"newer version", newer, bundle.ErrNewer},
		{"not a writer", stranger, ErrBundleNotWriter},
	}
	for _, at := range []int{9, 30, 60, 90, len(good) / 2, len(good) - 70, len(good) - 1} {
		bad := bytes.Clone(good)
		bad[at] ^= 0x20
		cases = append(cases, struct {
			name string
			file []byte
			want error
		}{"byte " + strconv.Itoa(at) + " altered", bad, bundle.ErrDamaged})
	}
	before := jsonOf(t, b, pair)
	beforeState, _ := b.SyncState(pair)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := b.ImportBundle(c.file)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), ". ") {
				t.Errorf("%q does not say what to do", err)
			}
			if got := jsonOf(t, b, pair); got != before {
				t.Errorf("the pair changed:\n%s\nwant:\n%s", got, before)
			}
			if st, _ := b.SyncState(pair); st.NextChunk != beforeState.NextChunk {
				t.Errorf("the store changed: got chunk %d, want %d", st.NextChunk, beforeState.NextChunk)
			}
		})
	}
	if _, err := b.ImportBundle(good); err != nil {
		t.Fatalf("the good file after the bad ones: %v", err)
	}
}

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for i := 0; i+1 < len(s); i += 2 {
		v, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, byte(v))
	}
	return out
}

// A reader cannot save a file its partner would refuse.
func TestReaderCannotSaveAFile(t *testing.T) {
	a, r := openTemp(t), openTemp(t)
	pair, err := a.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	code, err := a.Invite(pair, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Join(code, "Rae", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ImportBundle(exportFile(t, a, pair, false)); err != nil {
		t.Fatalf("a reader takes a file: %v", err)
	}
	if _, _, err := r.ExportBundle(pair, false); !errors.Is(err, ErrBundleReader) {
		t.Fatalf("got %v, want ErrBundleReader", err)
	}
}

// TestBundleIsReadableOnlyWithThePairKey: what a pair wrote never appears
// in the file as it is carried (a USB stick, an e-mail).
func TestBundleIsReadableOnlyWithThePairKey(t *testing.T) {
	a, b := openTemp(t), openTemp(t)
	pair := byFile(t, a, b)
	goal(t, a, pair, "Leave my job by March")
	file := exportFile(t, a, pair, false)
	for _, secret := range []string{"Leave my job by March", "Leave my job"} {
		if bytes.Contains(file, []byte(secret)) {
			t.Fatalf("the file holds %q in the clear", secret)
		}
	}
}
