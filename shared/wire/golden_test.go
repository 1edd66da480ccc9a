package wire

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// seq returns n bytes counting up from start, for recognisable fixed values.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

var (
	goldenDoc    = DocID(seq(0xd0, 16))
	goldenDevice = DeviceID(seq(0xa0, 16))
)

// goldenMessages holds one message of every type, built from fixed values.
// Its golden file is testdata/<type>.hex.
func goldenMessages() []Message {
	return []Message{
		&Challenge{Version: Version, Nonce: [32]byte(seq(0xc0, 32)), Key: seq(0xe0, 32)},
		&Hello{Version: Version, Device: goldenDevice, Token: "pwt_golden-token", Pub: [32]byte(seq(0x20, 32)), Sig: seq(0x60, 64), Key: seq(0x30, 32)},
		&Welcome{Version: Version, MaxFrame: MaxFrame},
		&Create{Req: 1, Doc: goldenDoc, WriteHash: [32]byte(seq(0x10, 32)), ReadHash: [32]byte(seq(0x30, 32)), Root: [32]byte(seq(0x20, 32))},
		&Subscribe{Req: 2, Doc: goldenDoc, Cap: seq(0x50, 32), From: 41},
		&Push{Req: 3, Doc: goldenDoc, DSeq: 7, Body: seq(0x70, 48), Sig: seq(0x01, 64), Tag: seq(0xf0, 16)},
		&Ack{Req: 3, Doc: goldenDoc, Seq: 42, Sig: seq(0x01, 64), Last: 7},
		&Records{Doc: goldenDoc, Recs: []Record{
			{Seq: 41, Device: goldenDevice, DSeq: 6, Body: seq(0x80, 41), Sig: seq(0x02, 64)},
			{Seq: 42, Device: DeviceID(seq(0xb0, 16)), DSeq: 1, Body: seq(0x90, 40)},
		}},
		&SnapPut{Req: 4, Doc: goldenDoc, Seq: 40, Body: seq(0x00, 64), Sig: seq(0x03, 64)},
		&Snapshot{Doc: goldenDoc, Seq: 40, Body: seq(0x40, 64), Device: goldenDevice, Sig: seq(0x03, 64), Candidate: true},
		&Certify{Req: 5, Doc: goldenDoc, Certs: [][]byte{seq(0x05, 146)}},
		&Writers{Doc: goldenDoc, Root: [32]byte(seq(0x20, 32)), Certs: [][]byte{seq(0x05, 146), seq(0x06, 146)}},
		&Confirm{Req: 6, Doc: goldenDoc, Seq: 40, Tag: seq(0xf0, 16)},
		&Durable{Doc: goldenDoc, Seq: 42},
		&CaughtUp{Doc: goldenDoc, Seq: 42},
		&Error{Req: 3, Doc: goldenDoc, Code: CodeReadOnly, Msg: "this invite is read-only: ask your partner for a full invite to make changes"},
	}
}

func goldenPath(t Type) string {
	return filepath.Join("testdata", t.String()+".hex")
}

// readGolden returns the frame stored in a golden file.
func readGolden(tb testing.TB, path string) []byte {
	tb.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	frame, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return frame
}

func TestGolden(t *testing.T) {
	for _, m := range goldenMessages() {
		t.Run(m.WireType().String(), func(t *testing.T) {
			path := goldenPath(m.WireType())
			got, err := Encode(m)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if *update {
				if err := os.WriteFile(path, []byte(hex.EncodeToString(got)+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readGolden(t, path)
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode:\ngot  %x\nwant %x", got, want)
			}
			back, err := Decode(want)
			if err != nil {
				t.Fatalf("Decode(golden): %v", err)
			}
			if !reflect.DeepEqual(back, m) {
				t.Fatalf("Decode(golden):\ngot  %#v\nwant %#v", back, m)
			}
		})
	}
}

// TestVersion2FramesStillDecode: the frames an app of protocol version 2
// sends (no exchange key, no push or confirmation tag), as that version's
// golden files held them, still decode to what it meant, since a relay
// serves both versions.
func TestVersion2FramesStillDecode(t *testing.T) {
	v2 := map[string]struct {
		frame string
		want  Message
	}{
		"challenge": {"820ca20102025820c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
			&Challenge{Version: VersionV2, Nonce: [32]byte(seq(0xc0, 32))}},
		"hello": {"8201a501020250a0a1a2a3a4a5a6a7a8a9aaabacadaeaf03707077745f676f6c64656e2d746f6b656e045820202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f055840606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
			&Hello{Version: VersionV2, Device: goldenDevice, Token: "pwt_golden-token", Pub: [32]byte(seq(0x20, 32)), Sig: seq(0x60, 64)}},
		"push": {"8205a501030250d0d1d2d3d4d5d6d7d8d9dadbdcdddedf0307045830707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f0558400102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40",
			&Push{Req: 3, Doc: goldenDoc, DSeq: 7, Body: seq(0x70, 48), Sig: seq(0x01, 64)}},
		"welcome": {"8202a20102021a00800000", &Welcome{Version: VersionV2, MaxFrame: MaxFrame}},
		"confirm": {"820fa301060250d0d1d2d3d4d5d6d7d8d9dadbdcdddedf031828", &Confirm{Req: 6, Doc: goldenDoc, Seq: 40}},
	}
	for name, c := range v2 {
		frame, err := hex.DecodeString(c.frame)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(frame)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\ngot  %#v\nwant %#v", name, got, c.want)
		}
		if again, _ := Encode(got); !bytes.Equal(again, frame) {
			t.Errorf("%s: encodes back as %x, want the version 2 frame", name, again)
		}
	}
}

// Every message type Decode knows has a golden vector, so a new type
// cannot slip onto the wire without one.
func TestGoldenCoversEveryType(t *testing.T) {
	have := map[Type]bool{}
	for _, m := range goldenMessages() {
		have[m.WireType()] = true
	}
	for typ := range 256 {
		m := newMessage(Type(typ))
		if m == nil {
			continue
		}
		if m.WireType() != Type(typ) {
			t.Errorf("newMessage(%d): got a %s, want a message of type %d", typ, m.WireType(), typ)
		}
		if !have[Type(typ)] {
			t.Errorf("type %d (%s): got no golden message, want one", typ, Type(typ))
		}
	}
}
