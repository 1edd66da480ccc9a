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

// rleIter reads a run-length column of unsigned LEB128 integers one value
// at a time (see rleRuns).
type rleIter struct {
	col  io.ByteReader
	left uint64 // values left in the current run
	lit  bool   // the run's values are each read in turn
	null bool
	v    int64
	err  error
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
	return it.v, it.null, true
}

func (it *rleIter) value() (int64, error) {
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
