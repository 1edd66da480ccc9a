package crdt

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// ingestSeed returns a document with history and the bytes of its last
// change, which that document already holds.
func ingestSeed(tb testing.TB) (saved, history, last []byte) {
	d, err := New(NewActor())
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Unix(0, 0)
	_ = d.Set(P("title"), "Seed")
	c1, _ := d.Commit("title", at)
	_ = d.NewText(P("notes"), bigText(600))
	c2, _ := d.Commit("notes", at)
	_ = d.EditText(P("notes"), bigText(300)+" edited")
	c3, _ := d.Commit("edit", at)
	return d.Save(), slices.Concat(c1, c2), c3
}

// reframe fixes a mutated change chunk's length and checksum, so the
// mutation reaches Automerge instead of stopping at the checksum.
func reframe(b []byte) []byte {
	if len(b) < 12 || !bytes.Equal(b[:4], chunkMagic) || b[8] != chunkChange {
		return b
	}
	body, _ := chunkBody(b)
	return frame(chunkChange, body)
}

// ingest feeds data to one door of the package, chosen by mode, and checks
// what every door promises: no panic, and a refusal leaves the document as
// it was; what is accepted is really in the document, and can be read.
func ingest(t *testing.T, mode byte, saved, history, data []byte) {
	t.Helper()
	base, err := Load(saved, NewActor())
	if err != nil {
		t.Fatal(err)
	}
	heads := base.Heads()
	switch mode % 4 {
	case 0, 1: // a record received into a document with history, or a stored run
		d := base
		if mode%4 == 1 {
			if d, err = New(NewActor()); err != nil {
				t.Fatal(err)
			}
			data = slices.Concat(history, data)
			heads = nil
		}
		err := d.ApplyChanges(data)
		if err != nil {
			if got := d.Heads(); !slices.Equal(got, heads) {
				t.Fatalf("refused (%v) but the heads moved from %v to %v", err, heads, got)
			}
			return
		}
		_ = walkChunks(data, func(_ int, _ byte, chunk []byte) error {
			if h := sha256.Sum256(chunk[8:]); !d.has(h) {
				t.Fatalf("accepted, but change %x is not in the document", h)
			}
			return nil
		})
		read(d)
	case 2: // a saved document
		if d, err := Load(data, NewActor()); err == nil {
			read(d)
		}
	case 3: // a relay snapshot merged into a document with history
		before := base.am.Heads()
		d, err := MergeSavedInto(base, data)
		if err != nil {
			if got := base.Heads(); !slices.Equal(got, heads) {
				t.Fatalf("refused (%v) but the heads moved", err)
			}
			return
		}
		for _, h := range before {
			if !d.has(h) {
				t.Fatalf("merging a snapshot lost change %s", h)
			}
		}
		read(d)
	}
}

// read reads the whole of d, and each of its top-level fields by its key,
// which is how Automerge finds the operations of a map.
func read(d *Doc) {
	tr, _ := d.Tree()
	for k := range tr {
		_, _, _ = d.ReadAt(P(k))
	}
	for _, k := range []string{"title", "notes"} {
		_, _, _ = d.ReadAt(P(k))
	}
}

// FuzzIngest feeds arbitrary bytes to ApplyChanges on a document with
// history, to a stored run on an empty one, to Load and to MergeSavedInto
// (see ingest). Like FuzzLoadAndRead it drives cgo-backed Automerge, on
// which the fuzzing engine's workers stall, so CI runs only its seeds (and
// TestIngestSurvivesMutatedBytes does the same work in-process); .ci/run
// lists it as manual.
func FuzzIngest(f *testing.F) {
	saved, history, last := ingestSeed(f)
	bomb := frame(chunkCompressed, bytes.Repeat([]byte{0xff}, 22))
	for mode := byte(0); mode < 4; mode++ {
		f.Add(mode, last)
		f.Add(mode, saved)
		f.Add(mode, bomb)
		f.Add(mode, slices.Concat(last, bomb))
	}
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		if mode&0x80 != 0 {
			data = reframe(data)
		}
		ingest(t, mode, saved, history, data)
	})
}

// TestIngestSurvivesMutatedBytes runs FuzzIngest's checks in-process over
// seeded mutations (bytes flipped, cut, repeated or inserted; half of the
// change chunks reframed with a valid checksum so Automerge reads them) of
// a change, a saved document and the malicious shapes, through every door.
func TestIngestSurvivesMutatedBytes(t *testing.T) {
	saved, history, last := ingestSeed(t)
	seeds := [][]byte{last, saved, frame(chunkCompressed, bytes.Repeat([]byte{0xff}, 22)), slices.Concat(last, last)}
	r := rand.New(rand.NewPCG(5, 6))
	runs := 2000
	if testing.Short() {
		runs = 200
	}
	for run := 0; run < runs; run++ {
		b := slices.Clone(seeds[r.IntN(len(seeds))])
		for m := 0; m < 1+r.IntN(4); m++ {
			i := 10 + r.IntN(max(1, len(b)-10))
			if i >= len(b) {
				i = len(b) - 1
			}
			switch r.IntN(4) {
			case 0:
				b[i] ^= byte(1 << r.IntN(8))
			case 1:
				b = b[:i]
			case 2:
				b = slices.Insert(b, i, byte(r.IntN(256)))
			case 3:
				j := min(len(b), i+1+r.IntN(16))
				b = slices.Insert(b, j, b[i:j]...)
			}
		}
		if r.IntN(2) == 0 {
			b = reframe(b)
		}
		mode := byte(r.IntN(4))
		func() {
			defer func() {
				if x := recover(); x != nil {
					t.Fatalf("run %d (door %d) panicked on %x: %v", run, mode, b, x)
				}
			}()
			ingest(t, mode, saved, history, b)
		}()
	}
}
