package relay

import (
	"crypto/rand"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"pairwise/shared/wire"
)

// onPath is a machine in the middle of one client's plain ws:// connection:
// it forwards bytes both ways and can put a frame of its own into the
// client's stream, between the client's frames.
type onPath struct {
	url   string
	ready chan struct{}
	mu    sync.Mutex // over writes to up
	up    net.Conn
}

func startOnPath(t *testing.T, relayURL string) *onPath {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &onPath{url: "ws://" + l.Addr().String(), ready: make(chan struct{})}
	go func() {
		down, err := l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", strings.TrimPrefix(relayURL, "ws://"))
		if err != nil {
			down.Close()
			return
		}
		p.up = up
		close(p.ready)
		go func() { io.Copy(down, up); down.Close() }()
		buf := make([]byte, 64<<10)
		for {
			n, err := down.Read(buf)
			if n > 0 {
				p.mu.Lock()
				up.Write(buf[:n])
				p.mu.Unlock()
			}
			if err != nil {
				up.Close()
				return
			}
		}
	}()
	return p
}

// inject writes m into the client's stream as a frame of the client's;
// the client must not be sending meanwhile.
func (p *onPath) inject(t *testing.T, m wire.Message) {
	t.Helper()
	<-p.ready
	b, err := wire.Encode(m)
	if err != nil || len(b) >= 126 {
		t.Fatalf("encode: %v (%d bytes)", err, len(b))
	}
	var mask [4]byte
	rand.Read(mask[:])
	f := []byte{0x82, 0x80 | byte(len(b)), mask[0], mask[1], mask[2], mask[3]}
	for i, c := range b {
		f = append(f, c^mask[i%4])
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.up.Write(f); err != nil {
		t.Fatal(err)
	}
}

// The relay drops a device's records only on that device's word. A
// writer on the path of its partner's plain ws:// connection uploads a
// snapshot that leaves the partner's changes out, and puts a Confirm of
// its own into the partner's connection: on version 3 the Confirm lacks
// the session's tag and is refused, the partner's records stay, and the
// partner's own (tagged) Confirm is still taken.
func TestAConfirmPutIntoAConnectionIsRefused(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	d := newDoc()
	attacker := writerOf(t, r, d)

	p := startOnPath(t, r.url)
	victim := dial(t, p.url)
	if victim.relayKey == nil {
		t.Fatal("the victim's connection is not of version 3")
	}
	victim.hello("")
	victim.subscribe(d.id, d.write[:], 0)
	victim.certify(d)
	for i := 1; i <= 3; i++ {
		victim.expectAck(victim.push(d.id, uint64(i), "the victim's change"))
	}
	req := attacker.nextReq()
	attacker.send(attacker.snapPut(req, d.id, 3, "without the victim's changes"))
	attacker.expectAck(req)
	time.Sleep(100 * time.Millisecond) // the victim has the candidate, and does not confirm it

	p.inject(t, &wire.Confirm{Req: 999, Doc: d.id, Seq: 3})
	if e := victim.answerError(999); e == nil || e.Code != wire.CodeBadMessage {
		t.Fatalf("a Confirm put into the victim's connection got %v, want a bad_message refusal", e)
	}
	late := dial(t, r.url)
	late.hello("")
	if s, recs := late.subscribe(d.id, d.read[:], 0); (s != nil && !s.Candidate) || len(recs) != 3 {
		t.Fatalf("after the injected Confirm a new member got snapshot %+v and %d records, want the victim's 3 records", s, len(recs))
	}

	// The victim's own word still counts.
	req = victim.nextReq()
	victim.send(victim.confirmMsg(req, d.id, 3))
	victim.expectAck(req)
	later := dial(t, r.url)
	later.hello("")
	if s, recs := later.subscribe(d.id, d.read[:], 0); s == nil || s.Seq != 3 || len(recs) != 0 {
		t.Fatalf("after the victim's own Confirm a new member got snapshot %+v and %d records, want the snapshot alone", s, len(recs))
	}
}

// confirmMsg is this client's confirmation of the candidate at seq,
// tagged in version 3.
func (c *client) confirmMsg(req uint64, doc wire.DocID, seq uint64) *wire.Confirm {
	m := &wire.Confirm{Req: req, Doc: doc, Seq: seq}
	if c.tags != nil {
		m.Tag = c.tags.ConfirmTag(doc, seq)
	}
	return m
}
