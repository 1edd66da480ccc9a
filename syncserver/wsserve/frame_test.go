package wsserve

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// clientFrame is a frame as a client sends it: masked with key.
func clientFrame(fin bool, op byte, payload []byte, key [4]byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		f = append(f, 0x80|byte(n))
	case n <= 0xFFFF:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, key[:]...)
	start := len(f)
	f = append(f, payload...)
	unmask(f[start:], key, 0)
	return f
}

func decodeAll(t *testing.T, stream []byte, limit int64) ([]event, error) {
	t.Helper()
	d := decoder{limit: limit}
	r := bufio.NewReaderSize(bytes.NewReader(stream), 16)
	var evs []event
	for {
		ev, err := d.next(r)
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

func TestDecoder(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	big := bytes.Repeat([]byte("abcdefg"), 20000) // 140,000 bytes: a 64-bit length
	mid := bytes.Repeat([]byte("x"), 300)         // a 16-bit length
	var fragmented []byte
	fragmented = append(fragmented, clientFrame(false, opBinary, []byte("one "), key)...)
	fragmented = append(fragmented, clientFrame(true, opPing, []byte("p"), key)...)
	fragmented = append(fragmented, clientFrame(false, opContinue, []byte("two "), key)...)
	fragmented = append(fragmented, clientFrame(true, opContinue, []byte("three"), key)...)
	tests := []struct {
		name    string
		stream  []byte
		want    []event
		wantErr StatusCode // 0 for a clean end of the stream
	}{
		{"empty binary", clientFrame(true, opBinary, nil, key), []event{{opBinary, []byte{}}}, 0},
		{"text", clientFrame(true, opText, []byte("hi"), key), []event{{opText, []byte("hi")}}, 0},
		{"16-bit length", clientFrame(true, opBinary, mid, key), []event{{opBinary, mid}}, 0},
		{"64-bit length", clientFrame(true, opBinary, big, key), []event{{opBinary, big}}, 0},
		{"fragments around a ping", fragmented, []event{{opPing, []byte("p")}, {opBinary, []byte("one two three")}}, 0},
		{"close", clientFrame(true, opClose, []byte{3, 232, 'o', 'k'}, key), []event{{opClose, []byte{3, 232, 'o', 'k'}}}, 0},
		{"unmasked", []byte{0x82, 0x01, 'x'}, nil, StatusProtocolError},
		{"reserved bit", append([]byte{0xC2}, clientFrame(true, opBinary, []byte("x"), key)[1:]...), nil, StatusProtocolError},
		{"unknown opcode", clientFrame(true, 0x3, nil, key), nil, StatusProtocolError},
		{"fragmented ping", clientFrame(false, opPing, nil, key), nil, StatusProtocolError},
		{"long ping", clientFrame(true, opPing, mid, key), nil, StatusProtocolError},
		{"stray continuation", clientFrame(true, opContinue, []byte("x"), key), nil, StatusProtocolError},
		{"message inside a message", append(clientFrame(false, opBinary, []byte("a"), key), clientFrame(true, opBinary, []byte("b"), key)...), nil, StatusProtocolError},
		{"over the limit", clientFrame(true, opBinary, make([]byte, 1<<20+1), key), nil, StatusMessageTooBig},
		{"fragments over the limit", append(clientFrame(false, opBinary, make([]byte, 1<<20), key), clientFrame(true, opContinue, []byte("x"), key)...), nil, StatusMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := decodeAll(t, tt.stream, 1<<20)
			var pe *protoError
			switch {
			case tt.wantErr == 0 && err != io.EOF:
				t.Fatalf("got error %v, want the stream's end", err)
			case tt.wantErr != 0 && (!errors.As(err, &pe) || pe.Status != tt.wantErr):
				t.Fatalf("got error %v, want close status %d", err, tt.wantErr)
			}
			if len(evs) != len(tt.want) {
				t.Fatalf("got %d events, want %d", len(evs), len(tt.want))
			}
			for i, ev := range evs {
				if ev.op != tt.want[i].op || !bytes.Equal(ev.payload, tt.want[i].payload) {
					t.Errorf("event %d: got op %d with %d bytes, want op %d with %d bytes", i, ev.op, len(ev.payload), tt.want[i].op, len(tt.want[i].payload))
				}
			}
		})
	}
}

func TestDecoderTruncated(t *testing.T) {
	f := clientFrame(true, opBinary, []byte("hello, relay"), [4]byte{9, 8, 7, 6})
	for n := 1; n < len(f); n++ {
		if _, err := decodeAll(t, f[:n], 1<<20); err != io.ErrUnexpectedEOF {
			t.Fatalf("frame cut after %d bytes: got %v, want %v", n, err, io.ErrUnexpectedEOF)
		}
	}
}

func TestCloseFrames(t *testing.T) {
	long := string(bytes.Repeat([]byte("é"), 100)) // 200 bytes of two-byte runes
	p := closePayload(StatusPolicyViolation, long)
	if len(p) > 125 {
		t.Fatalf("close payload of %d bytes, want at most 125", len(p))
	}
	ce, err := parseClose(p)
	if err != nil {
		t.Fatalf("parse our own close frame: %v", err)
	}
	if ce.Code != StatusPolicyViolation || len(ce.Reason) != 122 {
		t.Fatalf("got %d with a %d-byte reason, want %d with 122 bytes (61 whole runes)", ce.Code, len(ce.Reason), StatusPolicyViolation)
	}
	for _, bad := range [][]byte{{3}, {0, 1}, {3, 237}, {3, 232, 0xff}} {
		if _, err := parseClose(bad); err == nil {
			t.Errorf("close payload %v: accepted, want a protocol error", bad)
		}
	}
}

// FuzzDecoder feeds the decoder arbitrary bytes: it must never panic,
// never report a message over its limit or a control payload over 125
// bytes, and decode a message it was given as masked fragments.
func FuzzDecoder(f *testing.F) {
	key := [4]byte{0xde, 0xad, 0xbe, 0xef}
	f.Add(clientFrame(true, opBinary, []byte("seed"), key), uint8(2))
	f.Add(append(clientFrame(false, opText, []byte("a"), key), clientFrame(true, opContinue, []byte("b"), key)...), uint8(0))
	f.Add(clientFrame(true, opClose, []byte{3, 232}, key), uint8(1))
	f.Add([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x10, 0}, uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, parts uint8) {
		const limit = 4096
		d := decoder{limit: limit}
		r := bufio.NewReaderSize(bytes.NewReader(data), 16)
		for {
			ev, err := d.next(r)
			if err != nil {
				break
			}
			switch ev.op {
			case opText, opBinary:
				if len(ev.payload) > limit {
					t.Fatalf("message of %d bytes, over the %d-byte limit", len(ev.payload), limit)
				}
			case opPing, opPong, opClose:
				if len(ev.payload) > 125 {
					t.Fatalf("control payload of %d bytes", len(ev.payload))
				}
			default:
				t.Fatalf("event with opcode %d", ev.op)
			}
		}

		// The same bytes as the payload of a message cut into fragments.
		if len(data) > limit {
			return
		}
		n := int(parts%8) + 1
		var stream []byte
		for i := range n {
			op := byte(opContinue)
			if i == 0 {
				op = opBinary
			}
			part := data[len(data)*i/n : len(data)*(i+1)/n]
			stream = append(stream, clientFrame(i == n-1, op, part, [4]byte{byte(i), parts, 7, 1})...)
		}
		evs, err := decodeAll(t, stream, limit)
		if err != io.EOF || len(evs) != 1 || !bytes.Equal(evs[0].payload, data) {
			t.Fatalf("message in %d fragments: got %d events and %v", n, len(evs), err)
		}
	})
}
