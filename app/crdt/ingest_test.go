package crdt

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// frame makes an Automerge chunk of type typ around data, with the
// checksum a real one carries.
func frame(typ byte, data []byte) []byte {
	hdr := binary.AppendUvarint([]byte{typ}, uint64(len(data)))
	sum := sha256.Sum256(append(hdr, data...))
	out := append(append([]byte(nil), chunkMagic...), sum[:4]...)
	return append(append(out, hdr...), data...)
}

// bigText returns n bytes of text that compresses well.
func bigText(n int) string {
	return strings.Repeat("We talked about the plan for the next quarter. ", n/47+1)[:n]
}

// deflateColumns lists, for each chunk of a saved document, whether any
// column carries the DEFLATE bit.
func deflateColumns(t *testing.T, data []byte) (docs, deflated int) {
	t.Helper()
	err := walkChunks(data, func(_ int, typ byte, chunk []byte) error {
		if typ != chunkDocument {
			return nil
		}
		docs++
		body, _ := chunkBody(chunk)
		r := &leb{b: body}
		for i, n := uint64(0), r.uint(); i < n; i++ {
			r.take(r.uint())
		}
		r.take(32 * r.uint())
		for _, c := range append(r.columns(), r.columns()...) {
			if c.deflate() {
				deflated++
			}
		}
		return r.err
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs, deflated
}

// TestCommitNeverCompresses: a commit of a large text yields an
// uncompressed change chunk (type 1, no compressed column), so refusing
// compressed changes from the network refuses nothing Pairwise makes. A
// saved document of the same text does compress its columns, which is why
// Load bounds what they inflate to, and it loads within the limits.
func TestCommitNeverCompresses(t *testing.T) {
	for _, n := range []int{300, 64 << 10, 1 << 20} {
		d := newDoc(t)
		if err := d.NewText(P("notes"), bigText(n)); err != nil {
			t.Fatal(err)
		}
		raw := commit(t, d, "big")
		if raw[8] != chunkChange {
			t.Fatalf("%d bytes of text: the change is chunk type %d, want %d (uncompressed)", n, raw[8], chunkChange)
		}
		if _, err := checkChunks(raw, nil); err != nil {
			t.Fatalf("%d bytes of text: our own change is refused: %v", n, err)
		}
		_ = d.EditText(P("notes"), bigText(n)+" and more")
		raw = commit(t, d, "edit")
		if raw[8] != chunkChange {
			t.Fatalf("%d bytes of text, an edit: chunk type %d, want %d", n, raw[8], chunkChange)
		}
		saved := d.Save()
		if docs, deflated := deflateColumns(t, saved); docs != 1 || (n >= 64<<10 && deflated == 0) {
			t.Fatalf("%d bytes of text: saved as %d document chunks with %d compressed columns, want 1 with some", n, docs, deflated)
		}
		if _, err := Load(saved, NewActor()); err != nil {
			t.Fatalf("%d bytes of text: our own saved document is refused: %v", n, err)
		}
	}
}

// damagedChange returns a change that frames and checksums correctly but
// whose op columns Automerge cannot read, which LoadIncremental skips
// without an error on a document with history.
func damagedChange(t *testing.T, raw []byte) []byte {
	t.Helper()
	body, _ := chunkBody(raw)
	body = append([]byte(nil), body...)
	for i := len(body) - 6; i < len(body); i++ {
		body[i] = 0xff
	}
	return frame(chunkChange, body)
}

// TestApplyChangesIsAllOrNothing: bytes Automerge takes without an error
// but does not apply whole are refused with ErrNotApplied, and the
// document is left as it was, even for the valid change that came first.
func TestApplyChangesIsAllOrNothing(t *testing.T) {
	d := newDoc(t)
	_ = d.Set(P("title"), "Pair")
	first := commit(t, d, "title")
	_ = d.Set(P("title"), "Second")
	second := commit(t, d, "again")
	_ = d.Set(P("goal"), "Third")
	third := commit(t, d, "goal")
	bad := damagedChange(t, third)

	probe := newDoc(t)
	if err := probe.ApplyChanges(first); err != nil {
		t.Fatal(err)
	}
	if err := probe.am.LoadIncremental(append(append([]byte(nil), second...), bad...)); err != nil {
		t.Fatalf("precondition: Automerge reports the damaged change (%v); this test needs one it skips silently", err)
	}
	if probe.has(sha256.Sum256(bad[8:])) {
		t.Fatal("precondition: Automerge applied the damaged change")
	}

	cases := []struct {
		name string
		raw  []byte
	}{
		{"damaged alone", damagedChange(t, second)},
		{"valid then damaged", append(append([]byte(nil), second...), bad...)},
		{"compressed", frame(chunkCompressed, []byte{1, 2, 3})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newDoc(t)
			if err := r.ApplyChanges(first); err != nil {
				t.Fatal(err)
			}
			heads := strings.Join(r.Heads(), ",")
			actor := r.Actor()
			err := r.ApplyChanges(c.raw)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			if got := strings.Join(r.Heads(), ","); got != heads || r.Actor() != actor {
				t.Fatalf("after the refusal heads are %s as %s, want %s as %s", got, r.Actor(), heads, actor)
			}
			if tr, _ := r.Tree(); tr["title"] != "Pair" {
				t.Fatalf("after the refusal the title is %v, want Pair", tr["title"])
			}
			if err := r.ApplyChanges(append(append([]byte(nil), second...), third...)); err != nil {
				t.Fatalf("the valid changes do not apply after the refusal: %v", err)
			}
		})
	}
	if err := newDoc(t).ApplyChanges(second); !errors.Is(err, ErrMissingDeps) {
		t.Errorf("a change before its dependency: got %v, want ErrMissingDeps", err)
	}
}

// TestLoadRefusesWhatItCannotBound: Load refuses compressed changes,
// compressed columns in changes, documents whose columns inflate past
// MaxDocumentBytes, and changes past MaxChangeBytes, each before
// Automerge reads them.
func TestLoadRefusesWhatItCannotBound(t *testing.T) {
	old, oldChange := MaxDocumentBytes, MaxChangeBytes
	MaxDocumentBytes, MaxChangeBytes = 1<<20, 64<<10
	t.Cleanup(func() { MaxDocumentBytes, MaxChangeBytes = old, oldChange })

	d := newDoc(t)
	_ = d.NewText(P("notes"), bigText(200<<10)) // a change past MaxChangeBytes
	raw := commit(t, d, "notes")
	small := newDoc(t)
	_ = small.Set(P("title"), "Pair")
	smallRaw := commit(t, small, "title")

	var zeros bytes.Buffer
	fw, _ := flate.NewWriter(&zeros, flate.BestCompression)
	fw.Write(make([]byte, 2<<20))
	fw.Close()
	var bomb []byte
	bomb = binary.AppendUvarint(bomb, 0) // no actors
	bomb = binary.AppendUvarint(bomb, 0) // no heads
	bomb = binary.AppendUvarint(bomb, 0) // no change columns
	bomb = binary.AppendUvarint(bomb, 1)
	bomb = binary.AppendUvarint(bomb, 0x1a)
	bomb = binary.AppendUvarint(bomb, uint64(zeros.Len()))
	bomb = frame(chunkDocument, append(bomb, zeros.Bytes()...))

	// A change whose one column claims the DEFLATE bit.
	var cc []byte
	cc = binary.AppendUvarint(cc, 0)     // no deps
	cc = binary.AppendUvarint(cc, 1)     // actor
	cc = append(cc, 0xaa, 1, 1, 0, 0, 0) // actor, seq, start op, time, message, other actors
	cc = binary.AppendUvarint(cc, 1)     // one column:
	cc = binary.AppendUvarint(cc, 0x1a)
	cc = binary.AppendUvarint(cc, 2)
	cc = frame(chunkChange, append(cc, 3, 0))

	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"document bomb", bomb, ErrTooLarge},
		{"oversized change", raw, ErrTooLarge},
		{"compressed change", frame(chunkCompressed, []byte{1, 2, 3}), ErrCorrupt},
		{"change with a compressed column", cc, ErrCorrupt},
		{"truncated document", small.Save()[:20], ErrCorrupt},
	}
	for _, c := range cases {
		if _, err := Load(c.data, NewActor()); !errors.Is(err, c.want) {
			t.Errorf("Load(%s): got %v, want %v", c.name, err, c.want)
		}
		if _, err := MergeSavedInto(small, c.data); !errors.Is(err, c.want) {
			t.Errorf("MergeSavedInto(%s): got %v, want %v", c.name, err, c.want)
		}
	}
	if err := newDoc(t).ApplyChanges(cc); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ApplyChanges(change with a compressed column): got %v, want ErrCorrupt", err)
	}
	if err := newDoc(t).ApplyChanges(smallRaw); err != nil {
		t.Errorf("ApplyChanges(a small valid change): %v", err)
	}
}
