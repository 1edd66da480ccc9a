package backupfile

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// deriveKey makes the file key from the passphrase and the header.
func deriveKey(pass []byte, h header) (cipher.AEAD, error) {
	key := argon2.IDKey(pass, h.salt[:], h.params.Time, h.params.MemoryKiB, h.params.Threads, chacha20poly1305.KeySize)
	return chacha20poly1305.NewX(key)
}

// Writer encrypts what is written to it into a backup file. Close writes
// the final chunk; a file whose writer was not closed reads as cut short.
type Writer struct {
	out   io.Writer
	aead  cipher.AEAD
	hdr   []byte
	h     header
	buf   []byte
	index uint64
	err   error
}

// NewWriter writes the header of a backup sealed with a key derived from
// pass under p, and returns the writer for the content.
func NewWriter(out io.Writer, pass []byte, p Params) (*Writer, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(pass) == 0 {
		return nil, errors.New("backupfile: an empty passphrase protects nothing")
	}
	h := header{version: Version, params: p, chunk: ChunkSize}
	if _, err := rand.Read(h.salt[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(h.prefix[:]); err != nil {
		return nil, err
	}
	aead, err := deriveKey(pass, h)
	if err != nil {
		return nil, err
	}
	hdr := h.encode()
	tag := aead.Seal(nil, h.nonce(headerTagIndex), nil, hdr)
	if _, err := out.Write(append(append([]byte(nil), hdr...), tag...)); err != nil {
		return nil, err
	}
	return &Writer{out: out, aead: aead, hdr: hdr, h: h, buf: make([]byte, 0, h.chunk)}, nil
}

// Write buffers p, sealing each full chunk.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		room := int(w.h.chunk) - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == int(w.h.chunk) && len(p) > 0 {
			if w.err = w.flush(flagMore); w.err != nil {
				return 0, w.err
			}
		}
	}
	return n, nil
}

// A full buffer is sealed only when more follows, so the last chunk (full
// or not) is always the one flagged final.
func (w *Writer) flush(flag byte) error {
	sealed := w.aead.Seal(nil, w.h.nonce(w.index), w.buf, chunkAD(w.hdr, flag))
	var pre [5]byte
	binary.BigEndian.PutUint32(pre[:4], uint32(len(sealed)))
	pre[4] = flag
	if _, err := w.out.Write(append(pre[:], sealed...)); err != nil {
		return err
	}
	w.index++
	w.buf = w.buf[:0]
	return nil
}

// Close seals the final chunk. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.flush(flagFinal)
	if w.err == nil {
		w.err = errors.New("backupfile: writer closed")
		return nil
	}
	return w.err
}

// Reader decrypts a backup file, chunk by chunk, refusing any chunk that
// does not authenticate and a file that ends before its final chunk or
// goes on after it.
type Reader struct {
	in    io.Reader
	aead  cipher.AEAD
	hdr   []byte
	h     header
	buf   []byte // plain text not yet read
	index uint64
	done  bool
	err   error
}

// NewReader reads and checks the header, derives the key from pass and
// checks it against the header's tag: ErrWrongPassphrase if it does not
// match (or the header was altered), ErrNewer, ErrNotBackup, ErrParams.
func NewReader(in io.Reader, pass []byte) (*Reader, error) {
	raw := make([]byte, headerLen+tagLen)
	n, err := io.ReadFull(in, raw)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	h, herr := parseHeader(raw[:n])
	if herr != nil {
		return nil, herr
	}
	if n < len(raw) {
		return nil, fmt.Errorf("%w: its header is incomplete", ErrTruncated)
	}
	aead, err := deriveKey(pass, h)
	if err != nil {
		return nil, err
	}
	hdr := raw[:headerLen]
	if _, err := aead.Open(nil, h.nonce(headerTagIndex), raw[headerLen:], hdr); err != nil {
		return nil, fmt.Errorf("%w (or its header was altered)", ErrWrongPassphrase)
	}
	return &Reader{in: in, aead: aead, hdr: hdr, h: h}, nil
}

// Read returns decrypted content. It returns io.EOF only after the final
// chunk authenticated and nothing follows it.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// next reads and opens one chunk.
func (r *Reader) next() error {
	var pre [5]byte
	if _, err := io.ReadFull(r.in, pre[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: it ends after %d chunks without its final one", ErrTruncated, r.index)
		}
		return err
	}
	size, flag := binary.BigEndian.Uint32(pre[:4]), pre[4]
	if size < tagLen || size > r.h.chunk+tagLen || (flag != flagMore && flag != flagFinal) {
		return fmt.Errorf("%w: chunk %d has an impossible size or kind", ErrDamaged, r.index)
	}
	sealed := make([]byte, size)
	if _, err := io.ReadFull(r.in, sealed); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: chunk %d is incomplete", ErrTruncated, r.index)
		}
		return err
	}
	plain, err := r.aead.Open(sealed[:0], r.h.nonce(r.index), sealed, chunkAD(r.hdr, flag))
	if err != nil {
		return fmt.Errorf("%w: chunk %d does not authenticate", ErrDamaged, r.index)
	}
	if flag == flagMore && len(plain) != int(r.h.chunk) {
		return fmt.Errorf("%w: chunk %d is short but not the last", ErrDamaged, r.index)
	}
	if flag == flagFinal {
		var extra [1]byte
		if n, _ := io.ReadFull(r.in, extra[:]); n > 0 {
			return fmt.Errorf("%w: bytes follow its final chunk", ErrDamaged)
		}
		r.done = true
	}
	r.index++
	r.buf = plain
	return nil
}
