package crdt

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
)

// Limits on what Automerge is asked to inflate. Automerge compresses the
// larger columns of a saved document with DEFLATE and inflates them on
// load with no limit, so a snapshot of a few hundred kilobytes could make
// it allocate gigabytes. They are variables so a deployment or a test can
// lower them; change them only before any document is loaded.
var (
	// MaxDocumentBytes bounds a saved document: its chunks' sizes with
	// every compressed column counted as inflated.
	MaxDocumentBytes int64 = 64 << 20
	// MaxChangeBytes bounds one change chunk. Changes are never
	// compressed (see checkChunks), so this is their size as sent.
	MaxChangeBytes int64 = 8 << 20
)

// ErrTooLarge is wrapped by a SizeError.
var ErrTooLarge = errors.New("crdt: data would grow past the size limit when read")

// SizeError reports a document or change refused because it is, or would
// inflate to, more than its limit. It matches ErrTooLarge and ErrCorrupt:
// no replica of Pairwise makes such data.
type SizeError struct {
	What  string // "saved document", "change at byte 12", …
	Size  int64  // bytes counted before giving up (past Limit)
	Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("crdt: the %s would take more than %d MiB when read (counted %d bytes before stopping); it was refused. No copy of Pairwise makes data this large, so it is damaged or hostile: ask your partner to check their app is up to date",
		e.What, e.Limit>>20, e.Size)
}

// Is makes a SizeError match ErrTooLarge and ErrCorrupt.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge || target == ErrCorrupt }

// checkDocument walks the chunks of a saved document before Automerge
// sees them: document and change chunks are allowed, compressed change
// chunks are not, and the total size with every compressed column inflated
// must stay within MaxDocumentBytes. Inflating to count costs time but
// only a fixed amount of memory: the output is thrown away as it comes.
//
// It returns the objects the document makes, whose kinds its operations'
// keys were checked against (see objects.go).
func checkDocument(data []byte) (objects, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: no bytes", ErrCorrupt)
	}
	budget := &inflateBudget{limit: MaxDocumentBytes, what: "saved document"}
	l := newLayer(nil)
	err := walkChunks(data, func(off int, typ byte, chunk []byte) error {
		switch typ {
		case chunkDocument:
			return checkDocChunk(off, chunk, budget, l)
		case chunkChange:
			if _, err := checkChange(off, chunk, l); err != nil {
				return err
			}
			return budget.add(int64(len(chunk)))
		case chunkCompressed:
			return fmt.Errorf("%w: chunk at byte %d is a compressed change, which Pairwise never saves", ErrCorrupt, off)
		}
		return fmt.Errorf("%w: chunk at byte %d has unknown type %d", ErrCorrupt, off, typ)
	})
	return l.added, err
}

// checkDocChunk reads a document chunk's column metadata as Automerge
// does (actors, heads, change columns, op columns, then the two blocks of
// column data) and charges budget with every column's inflated size.
func checkDocChunk(off int, chunk []byte, budget *inflateBudget, l *objLayer) error {
	body, _ := chunkBody(chunk)
	r := &leb{b: body}
	var actorIDs []string
	for n := r.uint(); uint64(len(actorIDs)) < n && r.err == nil; {
		actorIDs = append(actorIDs, string(r.take(r.uint())))
	}
	actors := uint64(len(actorIDs))
	if heads := r.uint(); heads > uint64(len(r.b))/32 {
		r.err = fmt.Errorf("%d heads in %d bytes", heads, len(r.b))
	} else {
		r.take(32 * heads)
	}
	changeCols := r.columns()
	opCols := r.columns()
	if r.err == nil {
		r.err = errors.Join(checkColumnOrder(changeCols), checkColumnOrder(opCols))
	}
	if r.err != nil {
		return fmt.Errorf("%w: document at byte %d: %w", ErrCorrupt, off, r.err)
	}
	if err := budget.add(int64(len(chunk))); err != nil {
		return err
	}
	var opData [][]byte
	for k, cols := range [][]column{changeCols, opCols} {
		check := checkChangeColumn
		if k == 1 {
			check = checkOpColumn
		}
		for _, col := range cols {
			data := r.take(col.len)
			if r.err != nil {
				return fmt.Errorf("%w: document at byte %d: column data runs past the end", ErrCorrupt, off)
			}
			if k == 1 {
				opData = append(opData, data)
			}
			var cerr error
			switch {
			case col.deflate():
				if err := budget.inflateInto(data, func(r io.ByteReader) {
					if opChecked(col) {
						cerr = check(col, r, actors)
					}
				}); err != nil {
					return err
				}
			case opChecked(col):
				cerr = check(col, bytes.NewReader(data), actors)
			}
			if cerr != nil {
				return fmt.Errorf("%w: document at byte %d: %w", ErrCorrupt, off, cerr)
			}
		}
	}
	dc := &docColumns{cols: opCols, data: opData}
	_, err := countOps(dc.open(opAction, colULEB))
	dc.close()
	if err != nil {
		return fmt.Errorf("%w: document at byte %d: %w", ErrCorrupt, off, err)
	}
	if err := checkDocIncrements(opCols, opData); err != nil {
		return fmt.Errorf("%w: document at byte %d: %w", ErrCorrupt, off, err)
	}
	if err := docObjects(opCols, opData, actorIDs, l); err != nil {
		return fmt.Errorf("%w: document at byte %d: %w", ErrCorrupt, off, err)
	}
	return nil
}

// checkDocIncrements runs checkIncrements over a document's op columns,
// inflating the two it reads a second time: they were counted against the
// budget already, and holding them inflated would cost their size in
// memory.
func checkDocIncrements(cols []column, data [][]byte) error {
	a := findColumn(cols, opAction, colULEB)
	if a < 0 {
		return nil
	}
	open := func(i int) (io.ByteReader, func()) {
		if i < 0 {
			return bytes.NewReader(nil), func() {}
		}
		if !cols[i].deflate() {
			return bytes.NewReader(data[i]), func() {}
		}
		fr := flate.NewReader(bytes.NewReader(data[i]))
		return bufio.NewReader(fr), func() { fr.Close() }
	}
	action, closeAction := open(a)
	defer closeAction()
	meta, closeMeta := open(findColumn(cols, opValue, colValueMeta))
	defer closeMeta()
	return checkIncrements(action, meta)
}

// inflateBudget counts bytes against a limit.
type inflateBudget struct {
	used, limit int64
	what        string
}

func (b *inflateBudget) add(n int64) error {
	b.used += n
	if b.used > b.limit {
		return &SizeError{What: b.what, Size: b.used, Limit: b.limit}
	}
	return nil
}

// inflate counts what a raw DEFLATE stream inflates to, reading at most
// one byte past what is left of the budget.
func (b *inflateBudget) inflate(data []byte) error {
	fr := flate.NewReader(bytes.NewReader(data))
	defer fr.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(fr, b.limit-b.used+1))
	if aerr := b.add(n); aerr != nil {
		return aerr
	}
	if err != nil {
		return fmt.Errorf("%w: a compressed column does not inflate: %v", ErrCorrupt, err)
	}
	return nil
}

// inflateInto is inflate, handing the inflated bytes to read as they
// come; whatever read leaves is still inflated and counted.
func (b *inflateBudget) inflateInto(data []byte, read func(io.ByteReader)) error {
	fr := flate.NewReader(bytes.NewReader(data))
	defer fr.Close()
	cr := &countingReader{r: io.LimitReader(fr, b.limit-b.used+1)}
	br := bufio.NewReader(cr)
	read(br)
	_, err := io.Copy(io.Discard, br)
	if aerr := b.add(cr.n); aerr != nil {
		return aerr
	}
	if err != nil || cr.err != nil {
		return fmt.Errorf("%w: a compressed column does not inflate: %v", ErrCorrupt, errors.Join(err, cr.err))
	}
	return nil
}

// countingReader counts what it reads, and keeps the first error other
// than the end.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// column is one entry of a chunk's column metadata.
type column struct {
	spec uint64
	len  uint64
}

// deflate reports the column specification's DEFLATE bit.
func (c column) deflate() bool { return c.spec&0x08 != 0 }

// leb reads Automerge's ULEB128-encoded fields; the first error sticks and
// every later read returns zero.
type leb struct {
	b   []byte
	err error
}

func (r *leb) uint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < len(r.b) && i < 10; i++ {
		c := r.b[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			r.b = r.b[i+1:]
			return v
		}
	}
	r.err = errors.New("bad or truncated number")
	return 0
}

// skip passes over one signed LEB128 number.
func (r *leb) skip() { r.uint() }

func (r *leb) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("a field of %d bytes runs past the end", n)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// columns reads column metadata: a count, then (specification, length)
// pairs.
func (r *leb) columns() []column {
	n := r.uint()
	if n > uint64(len(r.b)) { // each pair takes at least two bytes
		r.err = fmt.Errorf("%d columns in %d bytes", n, len(r.b))
		return nil
	}
	cols := make([]column, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		c := column{spec: r.uint(), len: r.uint()}
		if c.spec > math.MaxUint32 {
			r.err = errors.New("column specification out of range")
		}
		cols = append(cols, c)
	}
	return cols
}
