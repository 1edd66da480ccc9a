package wire

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// ErrDecode is wrapped by every decoding failure, so a relay can answer any
// of them with CodeBadMessage.
var ErrDecode = errors.New("wire: cannot decode message")

// envelope is the frame layout: a two-element CBOR array of the type tag and
// the message body, so the body can be decoded into the right struct.
type envelope struct {
	_    struct{} `cbor:",toarray"`
	Type Type
	Body cbor.RawMessage
}

// cborMajorMap is the CBOR major type of a map (RFC 8949, section 3.1).
const cborMajorMap = 5

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   8,
		MaxArrayElements:  MaxRecordsPerBatch * 2,
		MaxMapPairs:       16,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Encode returns the frame for m.
//
// The envelope's head (an array of two, then the type) is written by hand
// and the body encoded after it in one pooled buffer, so a frame costs one
// allocation of its own size: encoding the body and then the envelope
// around it copied every frame twice. The bytes are those of envelope.
func Encode(m Message) ([]byte, error) {
	buf := framePool.Get().(*bytes.Buffer)
	defer putFrameBuffer(buf)
	buf.Reset()
	buf.WriteByte(0x82) // an array of two
	writeType(buf, m.WireType())
	if err := encMode.(cbor.UserBufferEncMode).MarshalToBuffer(m, buf); err != nil {
		return nil, fmt.Errorf("wire: encode %s: %w", m.WireType(), err)
	}
	return bytes.Clone(buf.Bytes()), nil
}

var framePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putFrameBuffer keeps buf for the next frame unless a large frame grew it.
func putFrameBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		framePool.Put(buf)
	}
}

// writeType writes t as a CBOR unsigned integer in its shortest form, as
// the deterministic encoding does (RFC 8949, section 4.2.1): a type is a
// byte, so one byte below 24 and two from there.
func writeType(buf *bytes.Buffer, t Type) {
	if t >= 24 {
		buf.WriteByte(0x18)
	}
	buf.WriteByte(byte(t))
}

// Decode parses one frame. Unknown types, unknown fields, trailing bytes and
// frames over MaxFrame are refused with an error wrapping ErrDecode.
func Decode(frame []byte) (Message, error) {
	if len(frame) > MaxFrame {
		return nil, fmt.Errorf("%w: frame of %d bytes is over the %d-byte limit", ErrDecode, len(frame), MaxFrame)
	}
	typ, body, err := splitFrame(frame)
	if err != nil {
		return nil, err
	}
	m := newMessage(typ)
	if m == nil {
		return nil, fmt.Errorf("%w: unknown message type %d", ErrDecode, typ)
	}
	// Every body is a map. The check matters because the CBOR decoder
	// treats null and undefined as "leave the struct alone", which would
	// turn [type, null] into a zero message instead of an error.
	if len(body) == 0 || body[0]>>5 != cborMajorMap {
		return nil, fmt.Errorf("%w: %s: body is not a CBOR map", ErrDecode, typ)
	}
	// Unmarshal refuses anything after the one item it decodes, so the
	// body is the frame's last element, as in envelope.
	if err := decMode.Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDecode, typ, err)
	}
	canonical(m)
	return m, nil
}

// splitFrame reads the head of an envelope (an array of two, then the
// type as an unsigned integer in its shortest form, as Encode writes it)
// and returns the type and what follows, which must be the body. Reading
// it by hand spares decoding the envelope and copying the body out of it.
func splitFrame(frame []byte) (Type, []byte, error) {
	if len(frame) < 2 || frame[0] != 0x82 {
		return 0, nil, fmt.Errorf("%w: a frame is a CBOR array of two (type, body)", ErrDecode)
	}
	switch h := frame[1]; {
	case h < 24:
		return Type(h), frame[2:], nil
	case h == 0x18 && len(frame) > 2 && frame[2] >= 24:
		return Type(frame[2]), frame[3:], nil
	default:
		return 0, nil, fmt.Errorf("%w: a frame's type is a small unsigned integer in its shortest form", ErrDecode)
	}
}

// canonical reads an optional signature, key or tag sent as an empty byte
// string as an absent one, as Encode writes it, so a message decodes to one value
// whichever way it was written.
func canonical(m Message) {
	empty := func(b *[]byte) {
		if len(*b) == 0 {
			*b = nil
		}
	}
	switch m := m.(type) {
	case *Challenge:
		empty(&m.Key)
	case *Hello:
		empty(&m.Key)
	case *Push:
		empty(&m.Tag)
	case *Confirm:
		empty(&m.Tag)
	case *Ack:
		empty(&m.Sig)
	case *Snapshot:
		empty(&m.Sig)
	case *Records:
		for i := range m.Recs {
			empty(&m.Recs[i].Sig)
		}
	}
}

func newMessage(t Type) Message {
	switch t {
	case TypeHello:
		return &Hello{}
	case TypeWelcome:
		return &Welcome{}
	case TypeCreate:
		return &Create{}
	case TypeSubscribe:
		return &Subscribe{}
	case TypePush:
		return &Push{}
	case TypeAck:
		return &Ack{}
	case TypeRecords:
		return &Records{}
	case TypeSnapPut:
		return &SnapPut{}
	case TypeSnapshot:
		return &Snapshot{}
	case TypeCaughtUp:
		return &CaughtUp{}
	case TypeError:
		return &Error{}
	case TypeChallenge:
		return &Challenge{}
	case TypeCertify:
		return &Certify{}
	case TypeWriters:
		return &Writers{}
	case TypeConfirm:
		return &Confirm{}
	case TypeDurable:
		return &Durable{}
	}
	return nil
}
