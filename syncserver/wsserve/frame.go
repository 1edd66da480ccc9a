package wsserve

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// Opcodes (RFC 6455 section 5.2).
const (
	opContinue = 0x0
	opText     = 0x1
	opBinary   = 0x2
	opClose    = 0x8
	opPing     = 0x9
	opPong     = 0xA
)

// MessageType is the type of a data message.
type MessageType int

const (
	MessageText   MessageType = opText
	MessageBinary MessageType = opBinary
)

// maxHeader is the longest frame header: two bytes, a 64-bit length and a
// masking key.
const maxHeader = 2 + 8 + 4

// header is a frame's header.
type header struct {
	fin    bool
	rsv    byte // the three reserved bits; no extension is negotiated, so they must be 0
	op     byte
	masked bool
	length uint64
	mask   [4]byte
}

// errShort means the bytes given hold only part of a header.
var errShort = errors.New("wsserve: incomplete frame header")

// parseHeader reads a frame header from the front of b and returns its
// length in bytes, or errShort when b holds only part of one.
func parseHeader(b []byte) (h header, n int, err error) {
	if len(b) < 2 {
		return h, 0, errShort
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] & 0x70
	h.op = b[0] & 0x0F
	h.masked = b[1]&0x80 != 0
	n = 2
	switch l := b[1] & 0x7F; l {
	case 126:
		if len(b) < n+2 {
			return h, 0, errShort
		}
		h.length = uint64(binary.BigEndian.Uint16(b[n:]))
		n += 2
	case 127:
		if len(b) < n+8 {
			return h, 0, errShort
		}
		h.length = binary.BigEndian.Uint64(b[n:])
		n += 8
	default:
		h.length = uint64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return h, 0, errShort
		}
		copy(h.mask[:], b[n:])
		n += 4
	}
	return h, n, nil
}

// headerLen is the length of the header that starts with the two bytes b0
// and b1.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7F {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// putHeader writes the header of an unmasked, final frame (the server never
// masks or fragments) into b, which has room for maxHeader bytes, and
// returns its length.
func putHeader(b []byte, op byte, length int) int {
	b[0] = 0x80 | op
	switch {
	case length <= 125:
		b[1] = byte(length)
		return 2
	case length <= 0xFFFF:
		b[1] = 126
		binary.BigEndian.PutUint16(b[2:], uint16(length))
		return 4
	default:
		b[1] = 127
		binary.BigEndian.PutUint64(b[2:], uint64(length))
		return 10
	}
}

// unmask applies a masking key to b, starting at offset pos of the payload.
func unmask(b []byte, key [4]byte, pos int) {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
}

// protoError is a peer's breach of the protocol: the connection ends with
// Status and Reason.
type protoError struct {
	Status StatusCode
	Reason string
}

func (e *protoError) Error() string {
	return fmt.Sprintf("websocket: %s (status %d)", e.Reason, e.Status)
}

func protocolErr(format string, args ...any) *protoError {
	return &protoError{StatusProtocolError, fmt.Sprintf(format, args...)}
}

// event is one thing read from a client: a whole data message, a ping, a
// pong or a close.
type event struct {
	op      byte // opText or opBinary for a message, else the control opcode
	payload []byte
}

// decoder reads a client's frames. It keeps the part of a fragmented
// message read so far between calls, so the bytes of a connection can
// arrive in as many reads as they like.
type decoder struct {
	limit  int64  // largest data message
	fragOp byte   // the opcode of the message being assembled; 0 when none
	frag   []byte // its payload so far
}

// next reads frames from r until it has an event to report. A message made
// of several frames is reported once its last frame is in.
func (d *decoder) next(r *bufio.Reader) (event, error) {
	for {
		h, err := readHeader(r)
		if err != nil {
			return event{}, err
		}
		if h.rsv != 0 {
			return event{}, protocolErr("reserved bits set, but no extension was negotiated")
		}
		if !h.masked {
			return event{}, protocolErr("a client's frames must be masked")
		}
		switch h.op {
		case opClose, opPing, opPong:
			if !h.fin {
				return event{}, protocolErr("a control frame may not be fragmented")
			}
			if h.length > 125 {
				return event{}, protocolErr("a control frame's payload is at most 125 bytes")
			}
			p := make([]byte, h.length)
			if _, err := io.ReadFull(r, p); err != nil {
				return event{}, unexpectedEOF(err)
			}
			unmask(p, h.mask, 0)
			return event{op: h.op, payload: p}, nil
		case opText, opBinary:
			if d.fragOp != 0 {
				return event{}, protocolErr("a new message began before the last one ended")
			}
		case opContinue:
			if d.fragOp == 0 {
				return event{}, protocolErr("a continuation frame with no message to continue")
			}
		default:
			return event{}, protocolErr("unknown opcode %d", h.op)
		}
		if h.length > 1<<62 || int64(len(d.frag))+int64(h.length) > d.limit {
			return event{}, &protoError{StatusMessageTooBig, fmt.Sprintf("message over the %d-byte limit", d.limit)}
		}
		if h.op != opContinue {
			d.fragOp = h.op
		}
		d.frag, err = readPayload(r, d.frag, int(h.length), h.mask)
		if err != nil {
			return event{}, err
		}
		if !h.fin {
			continue
		}
		ev := event{op: d.fragOp, payload: d.frag}
		d.fragOp, d.frag = 0, nil
		if ev.payload == nil {
			ev.payload = []byte{}
		}
		return ev, nil
	}
}

// readPayload appends n unmasked payload bytes from r to buf. It grows buf
// as bytes arrive rather than trusting the length a header announced, so a
// client that announces a large frame and sends little of it holds little.
func readPayload(r *bufio.Reader, buf []byte, n int, key [4]byte) ([]byte, error) {
	for read := 0; read < n; {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-read, max(growStep, len(buf))))
		}
		chunk := buf[len(buf):min(cap(buf), len(buf)+n-read)]
		m, err := io.ReadFull(r, chunk)
		unmask(chunk[:m], key, read)
		buf = buf[:len(buf)+m]
		read += m
		if err != nil {
			return buf, unexpectedEOF(err)
		}
	}
	return buf, nil
}

// growStep is the least a payload buffer grows by.
const growStep = 64 << 10

// readHeader reads one frame header from r.
func readHeader(r *bufio.Reader) (header, error) {
	b, err := r.Peek(2)
	if err != nil {
		if len(b) > 0 {
			err = unexpectedEOF(err)
		}
		return header{}, err
	}
	b, err = r.Peek(headerLen(b[1]))
	if err != nil {
		return header{}, unexpectedEOF(err)
	}
	h, n, err := parseHeader(b)
	if err != nil {
		return header{}, err
	}
	r.Discard(n)
	return h, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseClose reads a close frame's payload.
func parseClose(p []byte) (CloseError, error) {
	switch {
	case len(p) == 0:
		return CloseError{Code: StatusNoStatusRcvd}, nil
	case len(p) == 1:
		return CloseError{}, protocolErr("a close frame's payload has one byte")
	}
	ce := CloseError{Code: StatusCode(binary.BigEndian.Uint16(p)), Reason: string(p[2:])}
	if !utf8.ValidString(ce.Reason) {
		return CloseError{}, &protoError{StatusInvalidFramePayloadData, "a close reason is not UTF-8"}
	}
	if !validReceived(ce.Code) {
		return CloseError{}, protocolErr("close status %d may not be sent", ce.Code)
	}
	return ce, nil
}

// validReceived reports whether a peer may send status code in a close
// frame (RFC 6455 section 7.4).
func validReceived(code StatusCode) bool {
	switch {
	case code >= 3000 && code <= 4999:
		return true
	case code < 1000 || code > 1014:
		return false
	}
	switch code {
	case 1004, StatusNoStatusRcvd, 1006:
		return false
	}
	return true
}

// closePayload is the payload of a close frame with status and reason,
// which is cut to fit the 125 bytes a control frame may carry, on a rune
// boundary.
func closePayload(status StatusCode, reason string) []byte {
	if status == StatusNoStatusRcvd {
		return nil
	}
	if len(reason) > 123 {
		cut := 123
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	p := make([]byte, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(status))
	copy(p[2:], reason)
	return p
}
