package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// hexFrame turns spaced hex into bytes, so hand-built frames stay readable.
func hexFrame(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustEncode(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatalf("Encode(%#v): %v", m, err)
	}
	return b
}

// withType re-tags a frame made by Encode, to put one type's body under
// another type's tag. Every type number is below 24, so it is one byte.
func withType(t *testing.T, frame []byte, typ Type) []byte {
	t.Helper()
	b := bytes.Clone(frame)
	if b[0] != 0x82 || b[1] >= 24 || typ >= 24 {
		t.Fatalf("withType: frame %x does not start with a short envelope", frame)
	}
	b[1] = byte(typ)
	return b
}

func TestDecodeRejectsHostileFrames(t *testing.T) {
	ack := mustEncode(t, &Ack{Req: 1, Doc: goldenDoc, Seq: 2})
	push := mustEncode(t, &Push{Req: 1, Doc: goldenDoc, DSeq: 1, Body: []byte("sealed")})
	tooMany := &Records{Doc: goldenDoc, Recs: make([]Record, MaxRecordsPerBatch*2+1)}
	overMax := &Push{Req: 1, Doc: goldenDoc, DSeq: 1, Body: make([]byte, MaxFrame)}

	tests := []struct {
		name  string
		frame []byte
	}{
		// Not a frame at all.
		{"nil", nil},
		{"empty", []byte{}},
		{"text", []byte("GET / HTTP/1.1\r\n\r\n")},
		{"JSON", []byte(`{"type":6,"body":{}}`)},
		{"lone break", hexFrame(t, "ff")},
		{"reserved additional info", hexFrame(t, "1c")},
		{"truncated envelope", hexFrame(t, "82 06")},
		{"truncated body", hexFrame(t, "82 06 a3 01 01")},
		{"truncated frame", ack[:len(ack)-1]},

		// A well-formed item that is not an envelope.
		{"envelope is a map", hexFrame(t, "a2 00 06 01 a0")},
		{"envelope is an integer", hexFrame(t, "06")},
		{"envelope is null", hexFrame(t, "f6")},
		{"envelope of one element", hexFrame(t, "81 06")},
		{"envelope of three elements", hexFrame(t, "83 06 a0 00")},
		{"type is text", hexFrame(t, "82 63 61636b a0")},
		{"type is negative", hexFrame(t, "82 20 a0")},
		{"type over 255", hexFrame(t, "82 19 0106 a0")},
		{"type is a float", hexFrame(t, "82 f9 4600 a0")},
		{"type 0", hexFrame(t, "82 00 a0")},
		{"unknown type 99", hexFrame(t, "82 18 63 a0")},
		{"unknown type 255", hexFrame(t, "82 18 ff a0")},

		// The body does not fit the tag.
		{"body is null", hexFrame(t, "82 06 f6")},
		{"body is undefined", hexFrame(t, "82 06 f7")},
		{"body is an array", hexFrame(t, "82 06 80")},
		{"body is text", hexFrame(t, "82 06 61 78")},
		{"body is an integer", hexFrame(t, "82 06 00")},
		{"body is bytes", hexFrame(t, "82 06 41 00")},
		{"push body under the hello tag", withType(t, push, TypeHello)},
		{"push body under the ack tag", withType(t, push, TypeAck)},
		{"ack with text Req", hexFrame(t, "82 06 a1 01 61 78")},
		{"ack with negative Req", hexFrame(t, "82 06 a1 01 20")},
		{"ack with float Req", hexFrame(t, "82 06 a1 01 f9 3c00")},
		{"ack with Req over 2^64", hexFrame(t, "82 06 a1 01 c2 49 010000000000000000")},
		{"hello with integer Device", hexFrame(t, "82 01 a1 02 05")},
		{"hello with bytes Token", hexFrame(t, "82 01 a1 03 41 00")},
		{"push with text Body", hexFrame(t, "82 05 a1 04 61 78")},
		{"records with a map for Recs", hexFrame(t, "82 07 a1 02 a0")},
		{"error with invalid UTF-8", hexFrame(t, "82 0a a1 04 62 fffe")},

		// Fields and keys.
		{"unknown field key 9", hexFrame(t, "82 06 a1 09 00")},
		{"unknown text key", hexFrame(t, "82 06 a1 63 666f6f 00")},
		{"negative key", hexFrame(t, "82 06 a1 20 00")},
		{"array key", hexFrame(t, "82 06 a1 80 00")},
		{"duplicate map key", hexFrame(t, "82 06 a2 01 01 01 02")},
		{"duplicate key in a record", hexFrame(t, "82 07 a1 02 81 a2 01 01 01 02")},
		{"more map pairs than any message has", hexFrame(t, "82 06 b1 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 00 0a 00 0b 00 0c 00 0d 00 0e 00 0f 00 10 00")},

		// Encodings the codec forbids outright.
		{"indefinite-length body", hexFrame(t, "82 06 bf 01 01 ff")},
		{"indefinite-length envelope", hexFrame(t, "9f 06 a0 ff")},
		{"indefinite-length bytes", hexFrame(t, "82 05 a1 04 5f 41 00 ff")},
		{"indefinite-length text", hexFrame(t, "82 0a a1 04 7f 61 78 ff")},
		{"indefinite-length records", hexFrame(t, "82 07 a1 02 9f ff")},
		{"tagged body", hexFrame(t, "82 06 c1 a0")},
		{"tagged envelope", hexFrame(t, "d9 d9f7 82 06 a0")},
		{"tagged field", hexFrame(t, "82 06 a1 01 c1 01")},

		// Resource exhaustion.
		{"nesting bomb at the top", bytes.Repeat([]byte{0x81}, 100000)},
		{"nesting bomb in records", append(hexFrame(t, "82 07 a1 02"), bytes.Repeat([]byte{0x81}, 64)...)},
		{"nesting bomb of maps", append(hexFrame(t, "82 06 a1 01"), bytes.Repeat([]byte{0xa1, 0x01}, 64)...)},
		{"too many records", mustEncode(t, tooMany)},
		{"records array claims 2^32 elements", hexFrame(t, "82 07 a1 02 9a ffffffff")},
		{"map claims 2^64 pairs", hexFrame(t, "82 06 bb ffffffffffffffff")},
		{"bytes claim 2^63 bytes", hexFrame(t, "82 05 a1 04 5b 7fffffffffffffff")},
		{"text claims 4 GiB", hexFrame(t, "82 0a a1 04 7a ffffffff 61")},

		// Extra bytes.
		{"trailing zero", append(bytes.Clone(ack), 0x00)},
		{"trailing garbage", append(bytes.Clone(ack), "garbage"...)},
		{"two frames in one", append(bytes.Clone(ack), ack...)},
		{"trailing break", append(bytes.Clone(ack), 0xff)},

		{"frame over MaxFrame", mustEncode(t, overMax)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.frame)
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("got %#v, %v; want an error wrapping ErrDecode", m, err)
			}
			if m != nil {
				t.Fatalf("got message %#v alongside the error, want nil", m)
			}
			t.Log(err)
		})
	}
}

// The limits must not reject what a relay legitimately sends: a full batch
// of records, and a frame right at MaxFrame.
func TestDecodeAcceptsFramesAtTheLimits(t *testing.T) {
	full := &Records{Doc: goldenDoc, Recs: make([]Record, MaxRecordsPerBatch)}
	for i := range full.Recs {
		full.Recs[i] = Record{Seq: uint64(i + 1), Device: goldenDevice, DSeq: uint64(i + 1), Body: []byte{byte(i)}}
	}
	big := &Snapshot{Doc: goldenDoc, Seq: 1}
	frame := mustEncode(t, big)
	big.Body = make([]byte, MaxFrame-len(frame)-8) // a 2^32-range length header is 5 bytes, not 1
	frame = mustEncode(t, big)
	if len(frame) > MaxFrame {
		t.Fatalf("test frame is %d bytes, want at most %d", len(frame), MaxFrame)
	}

	tests := []struct {
		name string
		m    Message
	}{
		{"full batch of records", full},
		{"snapshot near MaxFrame", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(mustEncode(t, tt.m))
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !reflect.DeepEqual(got, tt.m) {
				t.Fatalf("got a different %s back", tt.m.WireType())
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.hex"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no golden vectors to seed from: %v", err)
	}
	for _, p := range paths {
		f.Add(readGolden(f, p))
	}
	f.Add([]byte{})
	f.Add([]byte{0x82, 0x06, 0xf6})
	f.Add([]byte{0x82, 0x06, 0xa1, 0x09, 0x00})
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := Decode(frame)
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("got error %v, want one wrapping ErrDecode", err)
			}
			if m != nil {
				t.Fatalf("got message %#v alongside the error, want nil", m)
			}
			return
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(%#v) of a decoded frame: %v", m, err)
		}
		back, err := Decode(again)
		if err != nil {
			t.Fatalf("Decode(Encode(m)) for %#v: %v", m, err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip:\ngot  %#v\nwant %#v", back, m)
		}
	})
}
