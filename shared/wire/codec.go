package wire

import (
	"errors"
	"fmt"

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
func Encode(m Message) ([]byte, error) {
	body, err := encMode.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("wire: encode %s: %w", m.WireType(), err)
	}
	return encMode.Marshal(envelope{Type: m.WireType(), Body: body})
}

// Decode parses one frame. Unknown types, unknown fields, trailing bytes and
// frames over MaxFrame are refused with an error wrapping ErrDecode.
func Decode(frame []byte) (Message, error) {
	if len(frame) > MaxFrame {
		return nil, fmt.Errorf("%w: frame of %d bytes is over the %d-byte limit", ErrDecode, len(frame), MaxFrame)
	}
	var env envelope
	if err := decMode.Unmarshal(frame, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	m := newMessage(env.Type)
	if m == nil {
		return nil, fmt.Errorf("%w: unknown message type %d", ErrDecode, env.Type)
	}
	// Every body is a map. The check matters because the CBOR decoder
	// treats null and undefined as "leave the struct alone", which would
	// turn [type, null] into a zero message instead of an error.
	if len(env.Body) == 0 || env.Body[0]>>5 != cborMajorMap {
		return nil, fmt.Errorf("%w: %s: body is not a CBOR map", ErrDecode, env.Type)
	}
	if err := decMode.Unmarshal(env.Body, m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDecode, env.Type, err)
	}
	canonical(m)
	return m, nil
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
