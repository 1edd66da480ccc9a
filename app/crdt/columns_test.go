package crdt

import (
	"bytes"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

// testColumn is one column of a chunk, as rewriteColumns hands it out.
type testColumn struct {
	spec uint64
	data []byte
}

// rewriteColumns returns chunk (a change, or a document) with its op
// columns (or, for a document with changeCols, its change columns)
// replaced by what edit makes of them, framed with a valid checksum so
// that Automerge reads it. The columns must be uncompressed.
func rewriteColumns(t *testing.T, chunk []byte, changeCols bool, edit func([]testColumn) []testColumn) []byte {
	t.Helper()
	body, _ := chunkBody(chunk)
	r := &leb{b: body}
	var lists [][]column
	var prefix int
	if chunk[8] == chunkChange {
		for i, n := uint64(0), r.uint(); i < n; i++ {
			r.take(32) // deps
		}
		r.take(r.uint()) // actor
		r.uint()         // seq
		r.uint()         // start op
		r.skip()         // time
		r.take(r.uint()) // message
		for i, n := uint64(0), r.uint(); i < n; i++ {
			r.take(r.uint()) // other actors
		}
		prefix = len(body) - len(r.b)
		lists = [][]column{r.columns()}
	} else {
		for i, n := uint64(0), r.uint(); i < n; i++ {
			r.take(r.uint()) // actors
		}
		r.take(32 * r.uint()) // heads
		prefix = len(body) - len(r.b)
		lists = [][]column{r.columns(), r.columns()}
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	var tcs [][]testColumn
	for _, cols := range lists {
		var tc []testColumn
		for _, c := range cols {
			if c.deflate() {
				t.Fatal("rewriteColumns: a compressed column")
			}
			tc = append(tc, testColumn{c.spec, r.take(c.len)})
		}
		tcs = append(tcs, tc)
	}
	k := len(tcs) - 1
	if changeCols {
		k = 0
	}
	tcs[k] = edit(slices.Clone(tcs[k]))
	out := slices.Clone(body[:prefix])
	for _, tc := range tcs {
		out = append(out, uleb(uint64(len(tc)))...)
		for _, c := range tc {
			out = append(append(out, uleb(c.spec)...), uleb(uint64(len(c.data)))...)
		}
	}
	for _, tc := range tcs {
		for _, c := range tc {
			out = append(out, c.data...)
		}
	}
	return frame(chunk[8], append(out, r.b...))
}

// withStartOp returns a change chunk numbering its operations from op.
func withStartOp(t *testing.T, chunk []byte, op uint64) []byte {
	t.Helper()
	body, _ := chunkBody(chunk)
	r := &leb{b: body}
	for i, n := uint64(0), r.uint(); i < n; i++ {
		r.take(32) // deps
	}
	r.take(r.uint()) // actor
	r.uint()         // seq
	at := len(body) - len(r.b)
	r.uint() // start op
	if r.err != nil {
		t.Fatal(r.err)
	}
	return frame(chunkChange, slices.Concat(body[:at], uleb(op), r.b))
}

// setColumn is an edit for rewriteColumns that replaces the data of the
// column spec with what f makes of its values (unsigned; -1 for a null).
func setColumn(t *testing.T, spec uint64, f func([]int64) []int64) func([]testColumn) []testColumn {
	return func(cols []testColumn) []testColumn {
		for i, c := range cols {
			if c.spec != spec {
				continue
			}
			var vals []int64
			it := &rleIter{col: bytes.NewReader(c.data)}
			for {
				v, null, ok := it.next()
				if !ok {
					break
				}
				if null {
					v = -1
				}
				vals = append(vals, v)
			}
			if err := it.end(); err != nil {
				t.Fatalf("column %#x: %v", spec, err)
			}
			cols[i].data = literal(f(vals))
			return cols
		}
		t.Fatalf("no column %#x", spec)
		return nil
	}
}

// literal encodes values as run-length column data, -1 as a null.
func literal(vals []int64) []byte {
	var out []byte
	for i := 0; i < len(vals); {
		if vals[i] < 0 {
			out = append(append(out, sleb(0)...), uleb(1)...)
			i++
			continue
		}
		j := i
		for j < len(vals) && vals[j] >= 0 {
			j++
		}
		out = append(out, sleb(int64(i-j))...)
		for _, v := range vals[i:j] {
			out = append(out, uleb(uint64(v))...)
		}
		i = j
	}
	return out
}

// all returns a column edit that sets every value that is not null to v.
func all(v int64) func([]int64) []int64 {
	return func(vals []int64) []int64 {
		for i := range vals {
			if vals[i] >= 0 {
				vals[i] = v
			}
		}
		return vals
	}
}

// Automerge 0.5 stops the process on an actor index past a change's
// actors, and on an actor index past 32 bits, an unknown action or an
// increment of anything but an integer in a saved document, as on a
// counter past 32 bits (FuzzIngest's corpus holds one of each, through
// every door). Each is refused, through every door, before Automerge reads
// it, and the document is left as it was. The other cases here Automerge
// refuses itself; the same checks cover them.
func TestColumnsAutomergeTrustsAreChecked(t *testing.T) {
	d := newDoc(t)
	_ = d.Set(P("title"), "A")
	first := commit(t, d, "title")
	_ = d.Set(P("title"), "B")
	overwrite := commit(t, d, "title again") // one op, with one predecessor
	if err := d.am.RootMap().Set("count", automerge.NewCounter(1)); err != nil {
		t.Fatal(err)
	}
	counter := commit(t, d, "counter")
	v, err := d.am.RootMap().Get("count")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Counter().Inc(2); err != nil {
		t.Fatal(err)
	}
	inc := commit(t, d, "increment") // one op: an increment by an integer
	saved := d.Save()
	two := newDoc(t) // a change of two operations
	_ = two.Set(P("a"), "A")
	_ = two.Set(P("b"), "B")
	twoOps := commit(t, two, "two")
	if _, deflated := deflateColumns(t, saved); deflated != 0 {
		t.Fatal("precondition: the saved document has compressed columns")
	}
	// toString turns an increment's integer into a string of the same
	// length, so the value bytes still add up.
	toString := func(vals []int64) []int64 {
		for i, v := range vals {
			if v >= 0 && v&0x0f == valueInt {
				vals[i] = v&^0x0f | 6
			}
		}
		return vals
	}

	cases := []struct {
		name    string
		history []byte // what the document has before data
		data    []byte
		want    error
	}{
		{"change: predecessor's actor past the actors", first,
			rewriteColumns(t, overwrite, false, setColumn(t, 0x71, all(1))), errActor},
		{"change: predecessor's counter past 32 bits", first,
			rewriteColumns(t, overwrite, false, func(cols []testColumn) []testColumn {
				for i := range cols {
					if cols[i].spec == 0x73 {
						cols[i].data = slices.Concat(sleb(1), sleb(1<<32+1))
					}
				}
				return cols
			}), errCounter},
		{"change: operations numbered past 32 bits", nil, withStartOp(t, twoOps, 1<<32-1), errCounter},
		{"change: unknown action", first,
			rewriteColumns(t, overwrite, false, setColumn(t, 0x42, all(actionLast+1))), errAction},
		{"change: increment of a string", slices.Concat(first, overwrite, counter),
			rewriteColumns(t, inc, false, setColumn(t, 0x56, toString)), errIncrement},
		{"change: columns out of order", first,
			rewriteColumns(t, overwrite, false, func(cols []testColumn) []testColumn {
				cols[0], cols[1] = cols[1], cols[0]
				return cols
			}), errColumns},
		{"change: a column twice", first,
			rewriteColumns(t, overwrite, false, func(cols []testColumn) []testColumn {
				return slices.Insert(cols, 1, cols[0])
			}), errColumns},
		{"document: operation's actor past the actors", nil,
			rewriteColumns(t, saved, false, setColumn(t, 0x21, all(1<<32+1))), errActor},
		{"document: change's actor past the actors", nil,
			rewriteColumns(t, saved, true, setColumn(t, 0x01, all(1<<32+1))), errActor},
		{"document: unknown action", nil,
			rewriteColumns(t, saved, false, setColumn(t, 0x42, all(actionLast+1))), errAction},
		{"document: increment of a string", nil,
			rewriteColumns(t, saved, false, setColumn(t, 0x56, toString)), errIncrement},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { refusedAtEveryDoor(t, c.history, c.data, c.want) })
	}

	// The same chunks, rewritten without a change, are taken.
	same := func(cols []testColumn) []testColumn { return cols }
	if _, err := Load(rewriteColumns(t, saved, false, same), NewActor()); err != nil {
		t.Errorf("the saved document, rewritten: %v", err)
	}
	base := newDoc(t)
	if err := base.ApplyChanges(slices.Concat(first, rewriteColumns(t, overwrite, false, same))); err != nil {
		t.Errorf("the changes, rewritten: %v", err)
	}
}
