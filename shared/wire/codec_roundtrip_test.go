package wire

import (
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	msgs := []Message{
		&Hello{Version: 1, Device: DeviceID{1}, Token: "t"},
		&Push{Req: 3, Doc: DocID{2}, DSeq: 9, Body: []byte("sealed")},
		&Records{Doc: DocID{3}, Recs: []Record{{Seq: 1, Device: DeviceID{4}, DSeq: 1, Body: []byte{1}}}},
		&Error{Req: 1, Code: CodeReadOnly, Msg: "read only"},
	}
	for _, m := range msgs {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", m.WireType(), err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("got %#v, want %#v", got, m)
		}
	}
}
