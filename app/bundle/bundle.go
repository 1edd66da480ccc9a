// Package bundle is the file format that carries a pair's changes between
// machines without a relay: a small versioned header in the clear, the
// changes sealed with the pair's key, and the exporting device's signature
// over the whole file. Every byte of a file is hostile until checked; the
// decoder bounds every length before it reads.
package bundle

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"pairwise/shared/seal"
)

// Layout, all integers big-endian:
//
//	magic "PWBUNDLE" | version (1) | pair (16) | exporter's public key (32)
//	| first and last change time (2 × 8, Unix seconds) | change count (4)
//	| head count (2) | heads (32 each) | certificate count (2)
//	| certificates (seal.CertSize each)                      -- the header
//	| sealed length (4) | sealed changes                     -- seal.SealBundle
//	| signature (seal.SigSize) over everything before it      -- seal.SignBundle
//
// The sealed changes are, once opened, count × (uvarint length, change).
// A later version of the format gets a higher version byte, read right
// after the magic so that a newer file is told apart from a damaged one.

const (
	magic = "PWBUNDLE"
	// Version is the format this build writes and the newest it reads.
	Version = 1

	fixedHeader = len(magic) + 1 + 16 + 32 + 8 + 8 + 4
)

// Bounds on what a file may hold. A pair's whole history fits well within
// them; a file beyond them is refused before anything is allocated for it.
const (
	MaxFileBytes = 64 << 20
	MaxChanges   = 200_000
	MaxHeads     = 256
	MaxCerts     = seal.MaxCerts
)

// ErrDamaged is wrapped by every refusal of a file that is not a whole,
// untouched file of changes.
var ErrDamaged = errors.New("this file of changes is damaged or was altered after it was saved")

// ErrNewer is wrapped when a file was written by a newer Pairwise.
var ErrNewer = errors.New("this file of changes was saved by a newer version of Pairwise")

// File is a parsed file of changes whose structure has been checked; its
// signature and sealed part are checked by Verify and Open.
type File struct {
	Pair     [16]byte
	Exporter seal.DevicePub
	From, To time.Time // times of the first and last change it holds
	Count    int
	Heads    []string // the exporter's heads when it saved the file
	Certs    [][]byte

	header []byte // the bytes sealed data binds
	sealed []byte
	signed []byte // every byte before the signature
	sig    []byte
}

// PairID returns the pair's ID as the workspace names it.
func (f *File) PairID() string { return hex.EncodeToString(f.Pair[:]) }

// ExporterID returns the device ID of the exporting device.
func (f *File) ExporterID() [16]byte { return seal.DeviceIDOf(f.Exporter) }

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w (%s). Ask for the file to be saved and sent again", ErrDamaged, fmt.Sprintf(format, args...))
}

// Parse checks a file's structure and bounds, without the pair's key.
func Parse(raw []byte) (*File, error) {
	if len(raw) > MaxFileBytes {
		return nil, damaged("at %d bytes it is larger than any file of changes can be", len(raw))
	}
	if len(raw) < len(magic)+1 || string(raw[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: it is not a file of changes from Pairwise. Check that you chose the right file", ErrDamaged)
	}
	if v := raw[len(magic)]; v > Version {
		return nil, fmt.Errorf("%w (format %d; this one reads up to %d). Update Pairwise, then open the file again", ErrNewer, v, Version)
	} else if v < 1 {
		return nil, damaged("it names format %d, which never existed", v)
	}
	r := reader{b: raw}
	if !r.skip(len(magic) + 1) {
		return nil, damaged("it is cut short")
	}
	f := &File{}
	var from, to int64
	var count uint32
	if !r.copy(f.Pair[:]) || !r.copy(f.Exporter[:]) || !r.i64(&from) || !r.i64(&to) || !r.u32(&count) {
		return nil, damaged("it is cut short in its header")
	}
	if count > MaxChanges {
		return nil, damaged("it claims %d changes, more than any pair holds", count)
	}
	f.Count = int(count)
	f.From, f.To = time.Unix(from, 0).UTC(), time.Unix(to, 0).UTC()
	var n uint16
	if !r.u16(&n) || int(n) > MaxHeads {
		return nil, damaged("its list of heads is cut short or too long")
	}
	for range n {
		h := r.take(32)
		if h == nil {
			return nil, damaged("its list of heads is cut short")
		}
		f.Heads = append(f.Heads, hex.EncodeToString(h))
	}
	if !r.u16(&n) || int(n) > MaxCerts {
		return nil, damaged("its list of writers is cut short or too long")
	}
	for range n {
		c := r.take(seal.CertSize)
		if c == nil {
			return nil, damaged("its list of writers is cut short")
		}
		f.Certs = append(f.Certs, c)
	}
	f.header = raw[:r.off]
	var sealedLen uint32
	if !r.u32(&sealedLen) || int64(sealedLen) != int64(len(raw)-r.off-seal.SigSize) {
		return nil, damaged("its changes are cut short or followed by something else")
	}
	f.sealed = r.take(int(sealedLen))
	f.signed = raw[:r.off]
	f.sig = raw[r.off:]
	if from > to {
		return nil, damaged("its first change is later than its last")
	}
	return f, nil
}

// Verify checks the file's signature with the exporter's key, which the
// caller has found to be a writer of the pair.
func (f *File) Verify() error {
	if !seal.StrongKey(f.Exporter) || !seal.CheckBundle(f.Exporter, f.Pair, f.signed, f.sig) {
		return damaged("its signature does not match its contents")
	}
	return nil
}

// Open decrypts the changes with the pair's key and splits them.
func (f *File) Open(key seal.Key) ([][]byte, error) {
	plain, err := seal.OpenBundle(key, f.Pair, f.ExporterID(), f.header, f.sealed)
	if err != nil {
		return nil, damaged("its changes cannot be opened with the pair's key")
	}
	out := make([][]byte, 0, f.Count)
	for off := 0; off < len(plain); {
		n, k := binary.Uvarint(plain[off:])
		if k <= 0 || n == 0 || n > uint64(len(plain)-off-k) {
			return nil, damaged("change %d is cut short", len(out)+1)
		}
		off += k
		out = append(out, plain[off:off+int(n):off+int(n)])
		off += int(n)
		if len(out) > f.Count {
			break
		}
	}
	if len(out) != f.Count {
		return nil, damaged("it holds %d changes but says %d", len(out), f.Count)
	}
	return out, nil
}

// reader reads a byte slice front to back, reporting false past its end.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) []byte {
	if n < 0 || n > len(r.b)-r.off {
		return nil
	}
	out := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return out
}

func (r *reader) skip(n int) bool { return r.take(n) != nil }
func (r *reader) copy(dst []byte) bool {
	b := r.take(len(dst))
	return b != nil && copy(dst, b) == len(dst)
}

func (r *reader) u16(v *uint16) bool {
	b := r.take(2)
	if b != nil {
		*v = binary.BigEndian.Uint16(b)
	}
	return b != nil
}

func (r *reader) u32(v *uint32) bool {
	b := r.take(4)
	if b != nil {
		*v = binary.BigEndian.Uint32(b)
	}
	return b != nil
}

func (r *reader) i64(v *int64) bool {
	b := r.take(8)
	if b != nil {
		*v = int64(binary.BigEndian.Uint64(b))
	}
	return b != nil
}
