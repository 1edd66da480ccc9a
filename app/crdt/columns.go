package crdt

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// Automerge 0.5 trusts more of a chunk's columns than their counters (see
// counters.go): an actor index past the chunk's table of actors, an action
// it does not know, or an increment whose value is not an integer each
// stop the whole process too (an index out of bounds, "entered unreachable
// code"). So those are checked here before Automerge reads them, along
// with the order of the columns, which is what lets a check find the
// column Automerge will read.

// Column types and IDs beyond those in counters.go.
const (
	colActor     = 1
	colString    = 5
	colValueMeta = 6

	opAction = 4 // op columns: the action, a ULEB column
	opValue  = 5 // op columns: the value (metadata and bytes)
)

// Actions, as Automerge 0.5 numbers them.
const (
	actionIncrement = 5
	actionLast      = 7 // a mark, the last action Automerge 0.5 knows
)

// Value types (the low four bits of a value's metadata) an increment may
// carry.
const (
	valueUint = 3
	valueInt  = 4
)

var (
	errActor     = errors.New("an actor index is past the chunk's actors")
	errAction    = errors.New("an operation has an unknown action")
	errIncrement = errors.New("an increment does not carry an integer")
	errColumns   = errors.New("the columns are not in order")
)

// normal is the column's specification without its DEFLATE bit: the
// order columns must come in.
func (c column) normal() uint64 { return c.spec &^ 0x08 }

// checkColumnOrder refuses columns that are not in strictly increasing
// order of specification. Automerge refuses those out of order itself;
// a repeated one it takes, and a check of the first would not be a check
// of the one it reads.
func checkColumnOrder(cols []column) error {
	for i := 1; i < len(cols); i++ {
		if cols[i].normal() <= cols[i-1].normal() {
			return fmt.Errorf("%w (%#x after %#x)", errColumns, cols[i].spec, cols[i-1].spec)
		}
	}
	return nil
}

// findColumn returns the index of the column with the given ID and type,
// or -1.
func findColumn(cols []column, id, kind uint64) int {
	for i, c := range cols {
		if c.id() == id && c.kind() == kind {
			return i
		}
	}
	return -1
}

// checkActors calls a column of actor indexes good if every index is below
// actors, the size of the chunk's table of actors.
func checkActors(col io.ByteReader, actors uint64) error {
	return rleInts(col, false, func(v int64) error {
		if uint64(v) >= actors {
			return fmt.Errorf("%w (%d, with %d actors)", errActor, v, actors)
		}
		return nil
	})
}

// checkOpColumn checks one op column of a change or a document: actor
// indexes name one of actors, actions are known, and counters fit 32 bits.
func checkOpColumn(c column, col io.ByteReader, actors uint64) error {
	switch {
	case c.kind() == colActor:
		return checkActors(col, actors)
	case c.id() == opAction && c.kind() == colULEB:
		return rleInts(col, false, func(v int64) error {
			if v > actionLast {
				return fmt.Errorf("%w (%d)", errAction, v)
			}
			return nil
		})
	}
	return checkOpCounters(c, col)
}

// checkChangeColumn checks one change column of a document: actor indexes
// name one of actors, and the largest operation counters fit 32 bits.
func checkChangeColumn(c column, col io.ByteReader, actors uint64) error {
	if c.kind() == colActor {
		return checkActors(col, actors)
	}
	return checkChangeCounters(c, col)
}

// opChecked reports whether checkOpColumn and checkChangeColumn read
// column c at all.
func opChecked(c column) bool { return c.kind() == colActor || checked(c) }

// checkIncrements reads an action column and a value metadata column side
// by side: every increment's value must be an integer.
func checkIncrements(action, meta io.ByteReader) error {
	as, ms := &rleIter{col: action}, &rleIter{col: meta}
	for op := 0; ; op++ {
		a, null, ok := as.next()
		if !ok {
			return as.end()
		}
		m, mnull, mok := ms.next()
		if !mok && ms.end() != nil {
			return ms.end()
		}
		if null || a != actionIncrement {
			continue
		}
		if !mok || mnull || (m&0x0f != valueUint && m&0x0f != valueInt) {
			return fmt.Errorf("%w (operation %d)", errIncrement, op)
		}
	}
}

// rleIter reads a run-length column one value at a time (see rleRuns): of
// unsigned LEB128 integers, of signed ones (signed), of signed differences
// it adds up (delta: the counters were checked to fit 32 bits, so the sums
// cannot overflow), or of strings, which it skips (str).
type rleIter struct {
	col                io.ByteReader
	signed, delta, str bool
	left               uint64 // values left in the current run
	lit                bool   // the run's values are each read in turn
	null               bool
	v, sum             int64
	err                error
}

// next returns the next value, or false at the end of the column or on an
// error, which end reports.
func (it *rleIter) next() (v int64, null, ok bool) {
	for it.left == 0 {
		if it.err != nil {
			return 0, false, false
		}
		var count int64
		if count, it.err = readSLEB(it.col); it.err != nil {
			return 0, false, false
		}
		it.lit, it.null = false, false
		switch {
		case count > 0:
			it.left = uint64(count)
			it.v, it.err = it.value()
		case count == math.MinInt64:
			it.err = errCounter
		case count < 0:
			it.left, it.lit = uint64(-count), true
		default:
			it.null = true
			it.left, it.err = readULEB(it.col)
		}
		if it.err != nil {
			if it.err == io.EOF {
				it.err = errTruncated
			}
			it.left = 0
			return 0, false, false
		}
	}
	it.left--
	if it.lit {
		if it.v, it.err = it.value(); it.err != nil {
			if it.err == io.EOF {
				it.err = errTruncated
			}
			it.left = 0
			return 0, false, false
		}
	}
	if it.delta && !it.null {
		it.sum += it.v
		return it.sum, false, true
	}
	return it.v, it.null, true
}

func (it *rleIter) value() (int64, error) {
	switch {
	case it.str:
		n, err := readULEB(it.col)
		for ; n > 0 && err == nil; n-- {
			_, err = it.col.ReadByte()
		}
		return 0, err
	case it.signed:
		return readSLEB(it.col)
	}
	u, err := readULEB(it.col)
	if err == nil && u > math.MaxInt64 {
		err = errCounter
	}
	return int64(u), err
}

// end is nil if the column ended cleanly, between runs.
func (it *rleIter) end() error {
	if it.err == io.EOF {
		return nil
	}
	return it.err
}

// errTooManyOps is a chunk with more operations than a document may have
// bytes (MaxDocumentBytes). Run-length columns can claim any number of
// operations in a few bytes; the checks, like Automerge, read every one.
var errTooManyOps = errors.New("a chunk holds too many operations")

// countOps counts the operations of a chunk, the values of its action
// column, nulls included, up to MaxDocumentBytes.
func countOps(action io.ByteReader) (uint64, error) {
	var n uint64
	limit := uint64(MaxDocumentBytes)
	for n <= limit {
		count, err := readSLEB(action)
		if err == io.EOF {
			return n, nil
		}
		switch {
		case err != nil:
		case count > 0:
			n += uint64(min(count, math.MaxInt32))
			_, err = readULEB(action)
		case count == math.MinInt64:
			err = errCounter
		case count < 0:
			for i := int64(0); i < -count && err == nil && n <= limit; i++ {
				n++
				_, err = readULEB(action)
			}
		default:
			var nulls uint64
			nulls, err = readULEB(action)
			n += min(nulls, math.MaxInt32)
		}
		if err == io.EOF {
			err = errTruncated
		}
		if err != nil {
			return n, err
		}
	}
	return n, fmt.Errorf("%w (more than %d)", errTooManyOps, limit)
}
