package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// pairConn is a test client following one pair.
type pairConn struct {
	t    *testing.T
	ctx  context.Context
	ws   *websocket.Conn
	doc  wire.DocID
	w    seal.Secret
	key  seal.DeviceKey // the pair's creator and root
	req  uint64
	dseq uint64
}

func newPair(t *testing.T, ctx context.Context, addr, tok string) *pairConn {
	t.Helper()
	key := seal.NewDeviceKey()
	p := &pairConn{t: t, ctx: ctx, ws: dialAs(t, ctx, addr, tok, key), w: seal.NewSecret(), key: key}
	rand.Read(p.doc[:])
	r := seal.NewSecret()
	p.expect(&wire.Create{Req: p.next(), Doc: p.doc, WriteHash: seal.CapHash(p.w[:]), ReadHash: seal.CapHash(r[:]), Root: key.Pub()}, "")
	p.expect(&wire.Subscribe{Req: p.next(), Doc: p.doc, Cap: p.w[:]}, "")
	return p
}

func (p *pairConn) next() uint64 { p.req++; return p.req }

// expect sends m and reads to its answer: an Ack when code is "", else an
// Error with that code, which it returns.
func (p *pairConn) expect(m wire.Message, code wire.Code) *wire.Error {
	p.t.Helper()
	b, _ := wire.Encode(m)
	if err := p.ws.Write(p.ctx, websocket.MessageBinary, b); err != nil {
		p.t.Fatal(err)
	}
	req := reqOf(m)
	for {
		switch r := readMsg(p.t, p.ctx, p.ws).(type) {
		case *wire.Ack:
			if r.Req != req {
				continue
			}
			if code != "" {
				p.t.Fatalf("%s: acknowledged, want error %s", m.WireType(), code)
			}
			return nil
		case *wire.Error:
			if r.Req != req && r.Req != 0 {
				continue
			}
			if r.Code != code {
				p.t.Fatalf("%s: %v, want %q", m.WireType(), r, code)
			}
			return r
		}
	}
}

func reqOf(m wire.Message) uint64 {
	switch m := m.(type) {
	case *wire.Create:
		return m.Req
	case *wire.Subscribe:
		return m.Req
	case *wire.Push:
		return m.Req
	}
	return 0
}

func (p *pairConn) push(size int, code wire.Code) *wire.Error {
	p.t.Helper()
	body := make([]byte, size)
	if code == "" {
		p.dseq++
		return p.expect(&wire.Push{Req: p.next(), Doc: p.doc, DSeq: p.dseq, Body: body, Sig: p.key.SignRecord(p.doc, p.dseq, body)}, code)
	}
	return p.expect(&wire.Push{Req: p.next(), Doc: p.doc, DSeq: p.dseq + 1, Body: body, Sig: p.key.SignRecord(p.doc, p.dseq+1, body)}, code)
}

// TestQuotaRefusesAndOthersUnaffected runs the real relay with small
// quotas: a pair over its quota, and a token over its quota, are refused
// with CodeQuota and a sentence, while another token's pair keeps working;
// doc list shows the usage; doc delete and token revoke --purge remove the
// data while the relay serves, telling connected members.
func TestQuotaRefusesAndOthersUnaffected(t *testing.T) {
	dir := t.TempDir()
	tokA, _, _ := relayCmd(t, "token", "new", "--data", dir, "--name", "org-a")
	tokB, _, _ := relayCmd(t, "token", "new", "--data", dir, "--name", "org-b")
	relay := serveRelay(t, dir, "--doc-quota", "64KB", "--token-quota", "100KB")
	cmd, log, addr := relay.cmd, relay.log, relay.addr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	a1 := newPair(t, ctx, addr, strings.TrimSpace(tokA))
	b := newPair(t, ctx, addr, strings.TrimSpace(tokB))
	for range 4 {
		a1.push(16<<10, "") // 64 KB: the whole pair quota
	}
	e := a1.push(1, wire.CodeQuota)
	if !strings.Contains(e.Msg, "this pair has used its storage") || !strings.Contains(e.Msg, "admin") {
		t.Errorf("pair quota message %q does not say what to do", e.Msg)
	}
	b.push(16<<10, "") // another token's pair is unaffected

	a2 := newPair(t, ctx, addr, strings.TrimSpace(tokA))
	a2.push(16<<10, "")
	a2.push(16<<10, "") // org-a now holds 96 KB of its 100 KB
	e = a2.push(16<<10, wire.CodeQuota)
	if !strings.Contains(e.Msg, "token") {
		t.Errorf("token quota message %q does not name the token", e.Msg)
	}
	b.push(16<<10, "")
	if wire.CodeQuota.Temporary() {
		t.Error("CodeQuota is temporary: a client would retry instead of telling the user")
	}

	out, errOut, code := relayCmd(t, "doc", "list", "--data", dir)
	if code != 0 {
		t.Fatalf("doc list while serving: exit %d: %s", code, errOut)
	}
	for _, want := range []string{hex.EncodeToString(a1.doc[:]) + "  org-a  4  64 KB", hex.EncodeToString(a2.doc[:]) + "  org-a  2  32 KB",
		hex.EncodeToString(b.doc[:]) + "  org-b  2  32 KB", "org-a  2  96 KB", "org-b  1  32 KB"} {
		if !strings.Contains(collapse(out), want) {
			t.Errorf("doc list lacks %q:\n%s", want, out)
		}
	}

	// Deleting b's pair while it is connected: b is told, and a new
	// subscribe finds nothing.
	if _, e, code := relayCmd(t, "doc", "delete", "--data", dir, hex.EncodeToString(b.doc[:])); code != 0 {
		t.Fatalf("doc delete: exit %d: %s", code, e)
	}
	if e := b.expect(&wire.Push{Req: b.next(), Doc: b.doc, DSeq: b.dseq + 1, Body: []byte("x")}, wire.CodeNotFound); e.Req != 0 || !strings.Contains(e.Msg, "admin removed this pair") {
		t.Errorf("the connected member was told %+v, want the deletion", e)
	}
	b2 := dialRelay(t, ctx, addr, "")
	p := &pairConn{t: t, ctx: ctx, ws: b2}
	p.expect(&wire.Subscribe{Req: p.next(), Doc: b.doc, Cap: b.w[:]}, wire.CodeNotFound)

	// Revoking org-a with --purge removes both its pairs.
	out, errOut, code = relayCmd(t, "token", "revoke", "--data", dir, "--purge", "org-a")
	if code != 0 || !strings.Contains(out, "Deleted the 2 pairs") {
		t.Fatalf("token revoke --purge: exit %d: %s%s", code, out, errOut)
	}
	p.expect(&wire.Subscribe{Req: p.next(), Doc: a1.doc, Cap: a1.w[:]}, wire.CodeNotFound)
	p.expect(&wire.Subscribe{Req: p.next(), Doc: a2.doc, Cap: a2.w[:]}, wire.CodeNotFound)

	// Stopped, the store itself holds nothing of them.
	stopRelay(t, cmd.Process)
	if err := cmd.Wait(); err != nil && canStopGracefully {
		t.Fatalf("relay exit: %v\n%s", err, log)
	}
	out, errOut, code = relayCmd(t, "doc", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "No documents") {
		t.Errorf("doc list on the stopped relay: exit %d: %s%s", code, out, errOut)
	}
}

// collapse squeezes runs of spaces in a table to two.
func collapse(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}
