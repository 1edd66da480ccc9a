package crdt

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
)

// Automerge 0.5 keeps each object's operations sorted by key and compares
// keys as the object's kind has them: names in a map, elements in a list
// or a text. An operation with the other kind of key (a name in a text, an
// element in a map) stops the whole process, as it is applied or later
// when the object is read. So the key of every operation in a change or a
// saved document is checked against the kind of the object it is in: the
// root is a map, and any other object must have been made by an operation
// the document or the same bytes hold.

// objKind is what an object's keys are.
type objKind uint8

const (
	kindMap objKind = 1 + iota // a map or a table: keys are names
	kindSeq                    // a list or a text: keys are elements
)

// madeKind is the kind of object an action makes, or 0.
func madeKind(action int64) objKind {
	switch action {
	case 0, 6: // make a map, make a table
		return kindMap
	case 2, 4: // make a list, make a text
		return kindSeq
	}
	return 0
}

// objID is an object's ID: the ID of the operation that made it.
type objID struct {
	actor string
	ctr   uint64
}

// objects maps every object of a document to its kind.
type objects map[objID]objKind

// objLayer is what a check knows of objects: those of the document (base,
// not changed) and those made by the bytes checked so far (added).
type objLayer struct {
	base  objects
	added objects
	// learn makes checkRow take every operation: a first pass over
	// changes that may come in any order only learns their objects.
	learn bool
}

func newLayer(base objects) *objLayer { return &objLayer{base: base, added: objects{}} }

func (l *objLayer) kind(id objID) (objKind, bool) {
	if k, ok := l.added[id]; ok {
		return k, true
	}
	k, ok := l.base[id]
	return k, ok
}

var (
	errObject = errors.New("an operation is in an object that was never made")
	errKey    = errors.New("an operation's key is not of its object's kind")
)

// Op column IDs the rows are read from, beyond opAction and opValue.
const (
	opObject = 0 // actor and counter; both null for the root
	opKey    = 1 // actor and counter of an element, or a name
	opID     = 2 // a document's operations: actor and counter
)

// opRow is what the object check reads of one operation.
type opRow struct {
	objActor, objCtr cell
	keyCtr           cell
	keyName          bool // the key is a name (the string column is not null)
	idActor, idCtr   cell
	action           int64
}

type cell struct {
	v    int64
	null bool
}

// opRows reads a chunk's operations row by row from their columns; a
// column that is missing or has ended reads as null.
type opRows struct {
	action, objActor, objCtr, keyCtr, keyName, idActor, idCtr *rleIter
	its                                                       [7]rleIter // what they point to: one allocation
}

// newOpRows opens the columns the rows need with open, which returns an
// empty reader for a column the chunk does not have.
func newOpRows(open func(id, kind uint64) io.ByteReader) *opRows {
	o := &opRows{its: [7]rleIter{
		{col: open(opAction, colULEB)},
		{col: open(opObject, colActor)},
		{col: open(opObject, colULEB)},
		{col: open(opKey, colDelta), signed: true, delta: true},
		{col: open(opKey, colString), str: true},
		{col: open(opID, colActor)},
		{col: open(opID, colDelta), signed: true, delta: true},
	}}
	o.action, o.objActor, o.objCtr, o.keyCtr = &o.its[0], &o.its[1], &o.its[2], &o.its[3]
	o.keyName, o.idActor, o.idCtr = &o.its[4], &o.its[5], &o.its[6]
	return o
}

// next returns the next operation, or false after the last or on an error.
func (o *opRows) next() (opRow, bool, error) {
	a, null, ok := o.action.next()
	if !ok {
		return opRow{}, false, o.action.end()
	}
	if null {
		a = -1
	}
	r := opRow{action: a}
	for _, c := range []struct {
		it  *rleIter
		out *cell
	}{{o.objActor, &r.objActor}, {o.objCtr, &r.objCtr}, {o.keyCtr, &r.keyCtr}, {o.idActor, &r.idActor}, {o.idCtr, &r.idCtr}} {
		v, null, ok := c.it.next()
		if !ok {
			if err := c.it.end(); err != nil {
				return opRow{}, false, err
			}
			null = true
		}
		*c.out = cell{v: v, null: null}
	}
	_, null, ok = o.keyName.next()
	if !ok {
		if err := o.keyName.end(); err != nil {
			return opRow{}, false, err
		}
		null = true
	}
	r.keyName = !null
	return r, true, nil
}

// actorOf is actors[c.v], or an error.
func actorOf(actors []string, c cell) (string, error) {
	if c.null || c.v < 0 || c.v >= int64(len(actors)) {
		return "", errActor
	}
	return actors[c.v], nil
}

// checkRow checks that r is in an object the layer knows (or the root)
// with a key of that object's kind.
func (l *objLayer) checkRow(r opRow, actors []string) error {
	if l.learn {
		return nil
	}
	kind := kindMap
	switch {
	case r.objActor.null && r.objCtr.null: // the root
	case r.objActor.null || r.objCtr.null:
		return fmt.Errorf("%w (half an object ID)", errObject)
	default:
		a, err := actorOf(actors, r.objActor)
		if err != nil {
			return err
		}
		k, ok := l.kind(objID{a, uint64(r.objCtr.v)})
		if !ok {
			return fmt.Errorf("%w (%d@%x)", errObject, r.objCtr.v, a)
		}
		kind = k
	}
	if kind == kindMap && !r.keyName || kind == kindSeq && (r.keyName || r.keyCtr.null) {
		return errKey
	}
	return nil
}

// checkChangeObjects checks the operations of a change, in order, and adds
// the objects it makes to the layer. Its operations are numbered from
// startOp, as the change's actor (actors[0]).
func checkChangeObjects(rows *opRows, actors []string, startOp uint64, l *objLayer) error {
	for i := uint64(0); ; i++ {
		r, ok, err := rows.next()
		if !ok || err != nil {
			return err
		}
		if err := l.checkRow(r, actors); err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
		if k := madeKind(r.action); k != 0 {
			l.added[objID{actors[0], startOp + i}] = k
		}
	}
}

// addDocObjects adds the objects a document's operations make to objs.
func addDocObjects(rows *opRows, actors []string, objs objects) error {
	for {
		r, ok, err := rows.next()
		if !ok || err != nil {
			return err
		}
		k := madeKind(r.action)
		if k == 0 {
			continue
		}
		a, err := actorOf(actors, r.idActor)
		if err != nil || r.idCtr.null {
			return fmt.Errorf("%w (an object without an ID)", errObject)
		}
		objs[objID{a, uint64(r.idCtr.v)}] = k
	}
}

// checkDocObjects checks a document's operations against the layer.
func checkDocObjects(rows *opRows, actors []string, l *objLayer) error {
	for i := 0; ; i++ {
		r, ok, err := rows.next()
		if !ok || err != nil {
			return err
		}
		if err := l.checkRow(r, actors); err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
	}
}

// docColumns opens the op columns of a document chunk, inflating those
// that are compressed as they are read.
type docColumns struct {
	cols    []column
	data    [][]byte
	closers []io.Closer
}

func (d *docColumns) open(id, kind uint64) io.ByteReader {
	i := findColumn(d.cols, id, kind)
	switch {
	case i < 0:
		return bytes.NewReader(nil)
	case !d.cols[i].deflate():
		return bytes.NewReader(d.data[i])
	}
	fr := flate.NewReader(bytes.NewReader(d.data[i]))
	d.closers = append(d.closers, fr)
	return bufio.NewReader(fr)
}

func (d *docColumns) close() {
	for _, c := range d.closers {
		c.Close()
	}
	d.closers = nil
}

// docObjects runs over a document chunk's operations twice: once to learn
// the objects they make, adding them to the layer, and once to check every
// operation against them (a document's operations come sorted by object,
// not in the order they were made).
func docObjects(cols []column, data [][]byte, actors []string, l *objLayer) error {
	d := &docColumns{cols: cols, data: data}
	defer d.close()
	if err := addDocObjects(newOpRows(d.open), actors, l.added); err != nil {
		return err
	}
	d.close()
	return checkDocObjects(newOpRows(d.open), actors, l)
}

// objectsOf returns the objects of a saved document that this replica
// made, without checking it otherwise.
func objectsOf(saved []byte) (objects, error) {
	l := newLayer(nil)
	err := walkChunks(saved, func(off int, typ byte, chunk []byte) error {
		if typ != chunkDocument {
			return nil
		}
		body, _ := chunkBody(chunk)
		r := &leb{b: body}
		var actors []string
		for n := r.uint(); uint64(len(actors)) < n && r.err == nil; {
			actors = append(actors, string(r.take(r.uint())))
		}
		r.take(32 * r.uint()) // heads
		changeCols, opCols := r.columns(), r.columns()
		for _, c := range changeCols {
			r.take(c.len)
		}
		data := make([][]byte, len(opCols))
		for i, c := range opCols {
			data[i] = r.take(c.len)
		}
		if r.err != nil {
			return r.err
		}
		d := &docColumns{cols: opCols, data: data}
		defer d.close()
		return addDocObjects(newOpRows(d.open), actors, l.added)
	})
	return l.added, err
}
