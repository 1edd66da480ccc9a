package crdt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// A tree (what Doc.Tree returns) is kept beside a saved document so a
// pair can be shown without loading it into Automerge, which takes tens
// of milliseconds for a year of history (see workspace's preview). The
// encoding keeps every type Tree produces, so a decoded tree equals the
// tree it was made from:
//
//	tree  = version(1) value
//	value = tag(1) payload
//
// Integers are varints; strings and bytes are a length then the bytes; a
// map is a count then key-value pairs in key order; a list is a count then
// its values; a time is Unix milliseconds, Automerge's own precision.
const treeVersion = 1

const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagInt
	tagUint
	tagFloat
	tagString
	tagBytes
	tagTime
	tagMap
	tagList
)

// maxTreeDepth bounds nesting when decoding; the pair document is a few
// levels deep.
const maxTreeDepth = 32

// ErrTree is wrapped when bytes that should hold an encoded tree do not.
var ErrTree = errors.New("crdt: not a valid encoded tree")

// EncodeTree encodes a tree as made by Doc.Tree. It fails on a value of a
// type Tree never makes.
func EncodeTree(t map[string]any) ([]byte, error) {
	b, err := appendValue([]byte{treeVersion}, t)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case bool:
		if v {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt), v), nil
	case uint64:
		return binary.AppendUvarint(append(b, tagUint), v), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v)), nil
	case string:
		return appendString(append(b, tagString), v), nil
	case []byte:
		return append(binary.AppendUvarint(append(b, tagBytes), uint64(len(v))), v...), nil
	case time.Time:
		return binary.AppendVarint(append(b, tagTime), v.UnixMilli()), nil
	case map[string]any:
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(v)))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var err error
		for _, k := range keys {
			if b, err = appendValue(appendString(b, k), v[k]); err != nil {
				return nil, err
			}
		}
		return b, nil
	case []any:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(v)))
		var err error
		for _, e := range v {
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("crdt: cannot encode a %T in a tree", v)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// DecodeTree decodes what EncodeTree made. Anything else is refused with
// an error wrapping ErrTree.
func DecodeTree(b []byte) (map[string]any, error) {
	if len(b) == 0 || b[0] != treeVersion {
		return nil, fmt.Errorf("%w: unknown version", ErrTree)
	}
	d := &treeDecoder{b: b[1:]}
	v := d.value(0)
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	m, ok := v.(map[string]any)
	if d.err == nil && !ok {
		d.fail("the root is not a map")
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

type treeDecoder struct {
	b   []byte
	err error
}

func (d *treeDecoder) fail(why string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrTree, why)
	}
	d.b = nil
}

func (d *treeDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *treeDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *treeDecoder) take(n uint64) []byte {
	if n > uint64(len(d.b)) {
		d.fail("cut short")
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

// count reads a count of items, each at least one byte long.
func (d *treeDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("count past the end")
		return 0
	}
	return int(n)
}

func (d *treeDecoder) value(depth int) any {
	if depth > maxTreeDepth {
		d.fail("nested too deep")
		return nil
	}
	tag := d.take(1)
	if d.err != nil {
		return nil
	}
	switch tag[0] {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagInt:
		return d.varint()
	case tagUint:
		return d.uvarint()
	case tagFloat:
		f := d.take(8)
		if d.err != nil {
			return nil
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(f))
	case tagString:
		return string(d.take(d.uvarint()))
	case tagBytes:
		return slices.Clone(d.take(d.uvarint()))
	case tagTime:
		return time.UnixMilli(d.varint())
	case tagMap:
		n := d.count()
		m := make(map[string]any, n)
		for range n {
			k := string(d.take(d.uvarint()))
			m[k] = d.value(depth + 1)
			if d.err != nil {
				return nil
			}
		}
		return m
	case tagList:
		n := d.count()
		l := make([]any, n)
		for i := range l {
			l[i] = d.value(depth + 1)
			if d.err != nil {
				return nil
			}
		}
		return l
	}
	d.fail(fmt.Sprintf("unknown tag %d", tag[0]))
	return nil
}
