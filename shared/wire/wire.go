// Package wire defines the messages the Pairwise client and relay exchange
// over a WebSocket, and their CBOR encoding. One message travels in one
// binary frame; the protocol version travels in the WebSocket subprotocol.
//
// The relay only ever sees sealed bodies: every field here is either routing
// metadata (document IDs, sequence numbers, device IDs) or ciphertext.
package wire

// Subprotocol is the WebSocket subprotocol that names this protocol version.
// A client that offers anything else is refused during the handshake.
//
// Version 2 authenticates devices: the relay opens with a Challenge, Hello
// answers with the device's public key and a signature over it, and every
// record and snapshot is signed by the device that wrote it.
//
// Version 3 adds a session key: Challenge and Hello carry one X25519 key
// each, the hello's signature covers both, and every Push carries a tag
// made with the key they give (see seal.Session). The relay checks that
// tag instead of each record's signature; partners still check the
// signature. A relay serves both versions; the app speaks version 3.
const Subprotocol = "pairwise.v3"

// SubprotocolV2 is version 2, which a relay still serves to older apps.
const SubprotocolV2 = "pairwise.v2"

// Version is the protocol version carried in Challenge, Hello and Welcome.
const Version = 3

// VersionV2 is the version a pairwise.v2 connection carries.
const VersionV2 = 2

// MaxFrame is the largest frame either side sends or accepts. A sealed
// snapshot of a years-long pair document fits comfortably.
const MaxFrame = 8 << 20

// MaxRecordsPerBatch bounds how many records one Records message carries, so
// a catch-up streams in frames well under MaxFrame.
const MaxRecordsPerBatch = 512

// DocID identifies a document on a relay. It is random and carries no
// meaning; the relay never learns a pair's title or members.
type DocID [16]byte

// DeviceID identifies one installation of the client. Pushes are idempotent
// on (DeviceID, device sequence).
type DeviceID [16]byte

// Type tags each message on the wire.
type Type uint8

// Message types. The numbers are part of the protocol: never reuse one.
const (
	TypeHello     Type = 1  // client → relay, first message
	TypeWelcome   Type = 2  // relay → client, answer to Hello
	TypeCreate    Type = 3  // client → relay: register a new document
	TypeSubscribe Type = 4  // client → relay: authorise and stream a document
	TypePush      Type = 5  // client → relay: append a sealed record
	TypeAck       Type = 6  // relay → client: a request succeeded
	TypeRecords   Type = 7  // relay → client: records in sequence order
	TypeSnapPut   Type = 8  // client → relay: upload a sealed snapshot
	TypeSnapshot  Type = 9  // relay → client: a sealed snapshot
	TypeError     Type = 10 // relay → client: a request or the connection failed
	TypeCaughtUp  Type = 11 // relay → client: the backlog of a subscription is sent
	TypeChallenge Type = 12 // relay → client, first message: a nonce to sign
	TypeCertify   Type = 13 // client → relay: add writer certificates to a document
	TypeWriters   Type = 14 // relay → client: a document's root and certificates
	TypeConfirm   Type = 15 // client → relay: a snapshot holds this device's records
	TypeDurable   Type = 16 // relay → client: early records up to Seq are stored
)

func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypeWelcome:
		return "welcome"
	case TypeCreate:
		return "create"
	case TypeSubscribe:
		return "subscribe"
	case TypePush:
		return "push"
	case TypeAck:
		return "ack"
	case TypeRecords:
		return "records"
	case TypeSnapPut:
		return "snapshot-put"
	case TypeSnapshot:
		return "snapshot"
	case TypeError:
		return "error"
	case TypeCaughtUp:
		return "caught-up"
	case TypeChallenge:
		return "challenge"
	case TypeCertify:
		return "certify"
	case TypeWriters:
		return "writers"
	case TypeConfirm:
		return "confirm"
	case TypeDurable:
		return "durable"
	}
	return "unknown"
}

// Message is implemented by every message struct.
type Message interface {
	WireType() Type
}

// Challenge is the relay's first message: a fresh nonce the device signs
// in Hello.
type Challenge struct {
	Version int      `cbor:"1,keyasint"`
	Nonce   [32]byte `cbor:"2,keyasint"`
	Key     []byte   `cbor:"3,keyasint,omitempty"` // version 3: the relay's exchange key
}

// Hello answers Challenge. Device must be the ID of Pub (see
// seal.DeviceIDOf) and Sig its signature over the nonce (seal.HelloProof;
// in version 3 over the nonce and both exchange keys,
// seal.SessionHelloProof); the relay binds the connection to Device only
// then. Token is an
// organisation token, sent only by a client that is about to create a
// document.
type Hello struct {
	Version int      `cbor:"1,keyasint"`
	Device  DeviceID `cbor:"2,keyasint"`
	Token   string   `cbor:"3,keyasint,omitempty"`
	Pub     [32]byte `cbor:"4,keyasint"`
	Sig     []byte   `cbor:"5,keyasint"`
	Key     []byte   `cbor:"6,keyasint,omitempty"` // version 3: the client's exchange key
}

// Welcome answers Hello.
type Welcome struct {
	Version  int `cbor:"1,keyasint"`
	MaxFrame int `cbor:"2,keyasint"`
}

// Create registers a document with the hashes of its two capabilities. It
// needs an organisation token in Hello. Creating a document that already
// exists with the same hashes succeeds (a retried create is harmless).
//
// Root is the key every writer of the document chains back to (see
// Certify); the relay refuses pushes from devices that do not.
type Create struct {
	Req       uint64   `cbor:"1,keyasint"`
	Doc       DocID    `cbor:"2,keyasint"`
	WriteHash [32]byte `cbor:"3,keyasint"`
	ReadHash  [32]byte `cbor:"4,keyasint"`
	Root      [32]byte `cbor:"5,keyasint"`
}

// Subscribe authorises this connection for a document with a capability
// secret (write or read) and asks for every record after From. The relay
// answers with an Ack, then a Snapshot if one covers more than From, then
// the backlog as Records, then CaughtUp, then live Records as they arrive.
//
// With Candidates set, a subscriber far behind may be sent, in place of the
// records it covers, a snapshot that waits for this subscriber's
// confirmation alone (every other device that wrote what it covers has
// confirmed it): the subscriber checks its own changes are in it. A
// subscriber that could not open one subscribes again without the flag.
//
// With Early set, live records are sent as soon as the relay has numbered
// them, before its disk has them (Records.Early), and a Durable notice
// follows once they are stored. The subscriber may apply an early record
// (a change applied twice is harmless) but must not move its cursor past
// the last Durable: if the relay loses an early record, another may take
// its number, and the writer, never acknowledged, pushes it again.
type Subscribe struct {
	Req        uint64 `cbor:"1,keyasint"`
	Doc        DocID  `cbor:"2,keyasint"`
	Cap        []byte `cbor:"3,keyasint"`
	From       uint64 `cbor:"4,keyasint"`
	Candidates bool   `cbor:"5,keyasint,omitempty"`
	Early      bool   `cbor:"6,keyasint,omitempty"`
}

// Push appends a sealed record. The connection must hold the document's
// write capability (from Subscribe). DSeq is the device's own dense sequence
// for this document, starting at 1; a push whose (Device, DSeq) the relay
// already holds is acknowledged again with the original sequence.
// Sig is the device's signature over the record (seal.SignRecord).
type Push struct {
	Req  uint64 `cbor:"1,keyasint"`
	Doc  DocID  `cbor:"2,keyasint"`
	DSeq uint64 `cbor:"3,keyasint"`
	Body []byte `cbor:"4,keyasint"`
	Sig  []byte `cbor:"5,keyasint"`
	Tag  []byte `cbor:"6,keyasint,omitempty"` // version 3: the session's tag (seal.Session.PushTag)
}

// Ack reports that request Req succeeded. For a Push, Seq is the record's
// sequence in the document log; for a Subscribe, Seq is the log's head; for
// a SnapPut, Seq is the snapshot's coverage. For a Push the relay already
// held, Sig is the signature of the record it holds, so the device can tell
// its own retry from something else stored under its number, and Last is
// the highest device sequence the relay holds from this device.
type Ack struct {
	Req  uint64 `cbor:"1,keyasint"`
	Doc  DocID  `cbor:"2,keyasint"`
	Seq  uint64 `cbor:"3,keyasint"`
	Sig  []byte `cbor:"6,keyasint,omitempty"`
	Last uint64 `cbor:"7,keyasint,omitempty"`
}

// Record is one sealed record in a document log, with its device's
// signature.
type Record struct {
	Seq    uint64   `cbor:"1,keyasint"`
	Device DeviceID `cbor:"2,keyasint"`
	DSeq   uint64   `cbor:"3,keyasint"`
	Body   []byte   `cbor:"4,keyasint"`
	Sig    []byte   `cbor:"5,keyasint,omitempty"`
}

// Records carries consecutive records of one document in sequence order.
// Early records are not on the relay's disk yet (see Subscribe.Early).
type Records struct {
	Doc   DocID    `cbor:"1,keyasint"`
	Recs  []Record `cbor:"2,keyasint"`
	Early bool     `cbor:"3,keyasint,omitempty"`
}

// SnapPut uploads a sealed snapshot that holds every record up to and
// including Seq. The relay keeps it only if Seq is above the snapshot it has.
// Sig is the uploading device's signature (seal.SignSnapshot).
//
// The relay keeps the records a snapshot covers until every other device
// that wrote some of them has confirmed it (Confirm), so no one can make the
// relay drop another device's records with a snapshot that leaves them out.
type SnapPut struct {
	Req  uint64 `cbor:"1,keyasint"`
	Doc  DocID  `cbor:"2,keyasint"`
	Seq  uint64 `cbor:"3,keyasint"`
	Body []byte `cbor:"4,keyasint"`
	Sig  []byte `cbor:"5,keyasint"`
}

// Snapshot delivers a sealed snapshot covering every record up to Seq,
// uploaded by Device. A Candidate is not yet confirmed: it is sent only to
// devices whose confirmation it waits for, and changes nothing by itself.
type Snapshot struct {
	Doc       DocID    `cbor:"1,keyasint"`
	Seq       uint64   `cbor:"2,keyasint"`
	Body      []byte   `cbor:"3,keyasint"`
	Device    DeviceID `cbor:"4,keyasint"`
	Sig       []byte   `cbor:"5,keyasint,omitempty"`
	Candidate bool     `cbor:"6,keyasint,omitempty"`
}

// Certify adds writer certificates (seal.Cert) to a document. It needs the
// write capability; certificates that do not chain to the document's root
// are refused.
type Certify struct {
	Req   uint64   `cbor:"1,keyasint"`
	Doc   DocID    `cbor:"2,keyasint"`
	Certs [][]byte `cbor:"3,keyasint"`
}

// Writers tells a subscriber a document's root and its certificates: all of
// them after the Ack of a Subscribe, then each new one as it is added. A
// zero Root marks a document created before version 2, whose writers are
// whoever holds the write capability.
type Writers struct {
	Doc   DocID    `cbor:"1,keyasint"`
	Root  [32]byte `cbor:"2,keyasint"`
	Certs [][]byte `cbor:"3,keyasint"`
}

// Confirm tells the relay that the candidate snapshot at Seq opened and
// holds every record of this device up to Seq. In version 3 it carries the
// session's tag: the relay drops the device's records on its word alone.
type Confirm struct {
	Req uint64 `cbor:"1,keyasint"`
	Doc DocID  `cbor:"2,keyasint"`
	Seq uint64 `cbor:"3,keyasint"`
	Tag []byte `cbor:"4,keyasint,omitempty"` // version 3: the session's tag (seal.Session.ConfirmTag)
}

// Durable tells an Early subscriber that every record up to Seq is stored:
// its cursor may move there.
type Durable struct {
	Doc DocID  `cbor:"1,keyasint"`
	Seq uint64 `cbor:"2,keyasint"`
}

// CaughtUp tells a subscriber that everything up to Seq has been sent.
type CaughtUp struct {
	Doc DocID  `cbor:"1,keyasint"`
	Seq uint64 `cbor:"2,keyasint"`
}

// Error reports a failed request (Req > 0) or a connection-level failure
// (Req == 0, after which the relay closes the connection).
type Error struct {
	Req  uint64 `cbor:"1,keyasint"`
	Doc  DocID  `cbor:"2,keyasint,omitempty"`
	Code Code   `cbor:"3,keyasint"`
	Msg  string `cbor:"4,keyasint"`
}

func (*Hello) WireType() Type     { return TypeHello }
func (*Welcome) WireType() Type   { return TypeWelcome }
func (*Create) WireType() Type    { return TypeCreate }
func (*Subscribe) WireType() Type { return TypeSubscribe }
func (*Push) WireType() Type      { return TypePush }
func (*Ack) WireType() Type       { return TypeAck }
func (*Records) WireType() Type   { return TypeRecords }
func (*SnapPut) WireType() Type   { return TypeSnapPut }
func (*Snapshot) WireType() Type  { return TypeSnapshot }
func (*CaughtUp) WireType() Type  { return TypeCaughtUp }
func (*Error) WireType() Type     { return TypeError }
func (*Challenge) WireType() Type { return TypeChallenge }
func (*Certify) WireType() Type   { return TypeCertify }
func (*Writers) WireType() Type   { return TypeWriters }
func (*Confirm) WireType() Type   { return TypeConfirm }
func (*Durable) WireType() Type   { return TypeDurable }
