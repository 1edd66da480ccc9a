package crdt

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// Automerge numbers operations with 32-bit counters and stops the whole
// process (a Rust panic, which Go cannot recover) when a saved document
// holds one that does not fit. So before Automerge reads a document, the
// counters in its columns are decoded here and must fit: an operation's
// ID, its object's and key's, its successors', and each change's largest
// operation.

// Column types, the low three bits of a column specification.
const (
	colULEB  = 2
	colDelta = 3
)

// column IDs of a document chunk that hold operation counters.
const (
	changeMaxOp = 1 // change columns: maxOp, a delta column
)

// id is the column's ID, above its type and DEFLATE bit.
func (c column) id() uint64 { return c.spec >> 4 }

// kind is the column's type.
func (c column) kind() uint64 { return c.spec & 0x07 }

// errCounter is a counter that Automerge cannot hold.
var errCounter = errors.New("an operation counter is out of range")

// checkOpCounters checks every integer column of a document's operations:
// all of them (object, key, ID and successor counters, and the action)
// must fit in 32 bits.
func checkOpCounters(c column, col io.ByteReader) error {
	switch c.kind() {
	case colULEB:
		return rleInts(col, false, fits32)
	case colDelta:
		return deltaInts(col, fits32)
	}
	return nil
}

// checkChangeCounters checks a document's change columns: each change's
// largest operation counter must fit in 32 bits.
func checkChangeCounters(c column, col io.ByteReader) error {
	if c.id() == changeMaxOp && c.kind() == colDelta {
		return deltaInts(col, fits32)
	}
	return nil
}

// checked reports whether check reads column c at all.
func checked(c column) bool { return c.kind() == colULEB || c.kind() == colDelta }

func fits32(v int64) error {
	if v < 0 || v > math.MaxUint32 {
		return fmt.Errorf("%w (%d)", errCounter, v)
	}
	return nil
}

// deltaInts decodes a delta column (a run-length column of signed
// differences) and calls check with every value it adds up to. Within a
// run of one difference the values move one way, so its first and last
// stand for it.
func deltaInts(col io.ByteReader, check func(int64) error) error {
	var cur int64
	return rleRuns(col, true, func(v int64, n uint64) error {
		if n == 0 {
			return nil
		}
		first, err := addChecked(cur, v, 1)
		if err != nil {
			return err
		}
		if err := check(first); err != nil {
			return err
		}
		if n == 1 {
			cur = first
			return nil
		}
		if cur, err = addChecked(cur, v, n); err != nil {
			return err
		}
		return check(cur)
	})
}

// addChecked is cur + v*n, or an error if it leaves the int64 range.
func addChecked(cur, v int64, n uint64) (int64, error) {
	if n > math.MaxInt64 || (v != 0 && n > uint64(math.MaxInt64/abs(v))) {
		return 0, errCounter
	}
	d := v * int64(n)
	if (d > 0 && cur > math.MaxInt64-d) || (d < 0 && cur < math.MinInt64-d) {
		return 0, errCounter
	}
	return cur + d, nil
}

func abs(v int64) int64 {
	if v == math.MinInt64 {
		return math.MaxInt64
	}
	if v < 0 {
		return -v
	}
	return v
}

// rleInts calls check with every value of a run-length column of
// integers; nulls are skipped.
func rleInts(col io.ByteReader, signed bool, check func(int64) error) error {
	return rleRuns(col, signed, func(v int64, n uint64) error {
		if n == 0 {
			return nil
		}
		return check(v)
	})
}

// rleRuns walks a run-length column of LEB128 integers: a signed count,
// then for a positive count one value repeated that many times, for a
// negative count that many values, and for zero a count of nulls. It calls
// run with each value and how many times it stands (0 for nulls).
func rleRuns(col io.ByteReader, signed bool, run func(v int64, n uint64) error) error {
	value := func() (int64, error) {
		if signed {
			return readSLEB(col)
		}
		u, err := readULEB(col)
		if err == nil && u > math.MaxInt64 {
			err = errCounter
		}
		return int64(u), err
	}
	for {
		count, err := readSLEB(col)
		if err == io.EOF {
			return nil // the end of the column, between runs
		}
		switch {
		case err != nil:
		case count > 0:
			var v int64
			if v, err = value(); err == nil {
				err = run(v, uint64(count))
			}
		case count == math.MinInt64:
			err = errCounter
		case count < 0:
			for i := int64(0); i < -count && err == nil; i++ {
				var v int64
				if v, err = value(); err == nil {
					err = run(v, 1)
				}
			}
		default:
			_, err = readULEB(col) // a run of nulls
		}
		if err == io.EOF {
			err = errTruncated
		}
		if err != nil {
			return err
		}
	}
}

var errTruncated = errors.New("a column ends inside a number")

// readULEB reads an unsigned LEB128 number of at most ten bytes.
func readULEB(col io.ByteReader) (uint64, error) {
	v, _, err := readLEB(col)
	return v, err
}

// readSLEB reads a signed LEB128 number of at most ten bytes.
func readSLEB(col io.ByteReader) (int64, error) {
	v, bits, err := readLEB(col)
	if err == nil && bits < 64 && v&(1<<(bits-1)) != 0 {
		v |= ^uint64(0) << bits // the sign bit of the last byte, extended
	}
	return int64(v), err
}

// readLEB reads the bits of a LEB128 number of at most ten bytes, and how
// many bits it spans.
func readLEB(col io.ByteReader) (v uint64, bits uint, err error) {
	for i := 0; i < 10; i++ {
		c, err := col.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				err = errTruncated
			}
			return 0, 0, err
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, uint(7 * (i + 1)), nil
		}
	}
	return 0, 0, errors.New("a number runs past ten bytes")
}
