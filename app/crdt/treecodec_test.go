package crdt

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func sampleTree() map[string]any {
	return map[string]any{
		"title":   "A year together",
		"count":   int64(-42),
		"big":     uint64(1 << 63),
		"score":   4.5,
		"closed":  false,
		"open":    true,
		"nothing": nil,
		"blob":    []byte{0, 1, 2, 255},
		"at":      time.UnixMilli(1767225600123),
		"empty":   map[string]any{},
		"none":    []any{},
		"goals": map[string]any{
			"g1": map[string]any{"title": "Speak up", "milestones": []any{"one", int64(2), map[string]any{"done": true}}},
		},
	}
}

// TestTreeRoundTrip: every type Tree makes comes back equal, and the
// encoding of equal trees is the same bytes.
func TestTreeRoundTrip(t *testing.T) {
	b, err := EncodeTree(sampleTree())
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTree(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sampleTree()) {
		t.Fatalf("got %#v, want %#v", got, sampleTree())
	}
	again, _ := EncodeTree(got)
	if string(again) != string(b) {
		t.Fatal("encoding the decoded tree gave other bytes")
	}
}

// TestTreeOfADocument: a real document's tree survives the round trip.
func TestTreeOfADocument(t *testing.T) {
	d, err := New(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.am.RootMap().Set("title", "Pair"); err != nil {
		t.Fatal(err)
	}
	if err := d.am.RootMap().Set("at", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Commit("x", time.Now()); err != nil {
		t.Fatal(err)
	}
	tree, err := d.Tree()
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeTree(tree)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTree(b)
	if err != nil || !reflect.DeepEqual(got, tree) {
		t.Fatalf("got %#v (%v), want %#v", got, err, tree)
	}
}

func TestTreeRefusesWhatItCannotKeep(t *testing.T) {
	if _, err := EncodeTree(map[string]any{"x": 3}); err == nil {
		t.Error("an int (not int64) was encoded; Tree never makes one")
	}
	b, _ := EncodeTree(sampleTree())
	for _, bad := range [][]byte{nil, {9}, b[:len(b)-1], append(b, 0), {treeVersion, tagList, 0}, {treeVersion, tagMap, 200}} {
		if _, err := DecodeTree(bad); !errors.Is(err, ErrTree) {
			t.Errorf("decoding % x: got %v, want ErrTree", bad, err)
		}
	}
}

func FuzzDecodeTree(f *testing.F) {
	b, _ := EncodeTree(sampleTree())
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		tree, err := DecodeTree(b)
		if err != nil {
			return
		}
		again, err := EncodeTree(tree)
		if err != nil {
			t.Fatalf("a decoded tree does not encode: %v", err)
		}
		if _, err := DecodeTree(again); err != nil {
			t.Fatalf("a re-encoded tree does not decode: %v", err)
		}
	})
}
