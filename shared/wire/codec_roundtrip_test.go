package wire

import (
	"bytes"
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

// TestEncodeWritesTheEnvelope: Encode writes the envelope's head by hand;
// its frames are byte for byte those of the envelope encoded whole, for
// every type, and frames encoded one after another share no bytes (the
// buffer they are built in is reused).
func TestEncodeWritesTheEnvelope(t *testing.T) {
	var frames [][]byte
	for _, m := range goldenMessages() {
		body, err := encMode.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := encMode.Marshal(envelope{Type: m.WireType(), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: Encode wrote %x, the envelope is %x", m.WireType(), got, want)
		}
		frames = append(frames, got)
	}
	for i, m := range goldenMessages() {
		if want, _ := Encode(m); !bytes.Equal(frames[i], want) {
			t.Fatalf("%s: the frame encoded first changed to %x after others were encoded", m.WireType(), frames[i])
		}
	}
}

// TestADecodedMessageKeepsNothingOfItsFrame: the client reads every frame
// into one buffer and decodes it there, so a message must stay as it was
// decoded when the buffer is overwritten by the next frame.
func TestADecodedMessageKeepsNothingOfItsFrame(t *testing.T) {
	for _, m := range goldenMessages() {
		frame, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(frame)
		if err != nil {
			t.Fatalf("decode %s: %v", m.WireType(), err)
		}
		for i := range frame {
			frame[i] = 0xa5
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%s: after its frame was overwritten the message is %#v, want %#v", m.WireType(), got, m)
		}
	}
}
