package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relay-bin-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "pairwise-relay")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	pgtest.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

func relayCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	tok, _, code := relayCmd(t, "token", "new", "--data", dir, "--name", "cohort-2027")
	tok = strings.TrimSpace(tok)
	if code != 0 || !strings.HasPrefix(tok, seal.TokenPrefix) {
		t.Fatalf("token new: exit %d, %q", code, tok)
	}
	if _, e, code := relayCmd(t, "token", "new", "--data", dir, "--name", "cohort-2027"); code == 0 || !strings.Contains(e, "already exists") {
		t.Errorf("a second live token with the same name: exit %d, %q", code, e)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if bytes.Contains(raw, []byte(tok)) {
		t.Error("the token file holds the token itself, not only its hash")
	}
	out, _, _ := relayCmd(t, "token", "list", "--data", dir)
	if !strings.Contains(out, "cohort-2027") || !strings.Contains(out, "live") || strings.Contains(out, tok) {
		t.Errorf("token list: %q", out)
	}
	if _, e, code := relayCmd(t, "token", "revoke", "--data", dir, "nobody"); code == 0 || !strings.Contains(e, "no live token") {
		t.Errorf("revoking an unknown name: exit %d, %q", code, e)
	}
	if _, e, code := relayCmd(t, "token", "revoke", "--data", dir, "cohort-2027"); code != 0 {
		t.Fatalf("revoke: %s", e)
	}
	if out, _, _ := relayCmd(t, "token", "list", "--data", dir); !strings.Contains(out, "revoked") {
		t.Errorf("token list after revoke: %q", out)
	}
	if _, e, code := relayCmd(t, "serve"); code == 0 || !strings.Contains(e, "--data") {
		t.Errorf("serve without --data: exit %d, %q", code, e)
	}
	if out, _, code := relayCmd(t, "--help"); code != 0 || !strings.Contains(out, "token revoke") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

// TestGracefulShutdown pushes a stream of records, stops the relay with
// SIGTERM in the middle, and checks every acknowledged record is there
// after a restart, and that connected clients were told to come back.
func TestGracefulShutdown(t *testing.T) {
	if !canStopGracefully {
		t.Skip("a graceful stop is asked for by SIGTERM, which this system cannot send")
	}
	dir := t.TempDir()
	tok, _, _ := relayCmd(t, "token", "new", "--data", dir, "--name", "t")
	relay := serveRelay(t, dir)
	cmd, log, addr := relay.cmd, relay.log, relay.addr

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	key := seal.NewDeviceKey()
	ws := dialAs(t, ctx, addr, strings.TrimSpace(tok), key)
	var doc wire.DocID
	rand.Read(doc[:])
	w := seal.NewSecret()
	call(t, ctx, ws, &wire.Create{Req: 1, Doc: doc, WriteHash: seal.CapHash(w[:]), Root: key.Pub()})
	call(t, ctx, ws, &wire.Subscribe{Req: 2, Doc: doc, Cap: w[:]})

	// The client streams pushes until the relay goes; SIGTERM is sent once
	// part of the stream is acknowledged, so it lands on a live client
	// with pushes in flight.
	const ackedBeforeTerm = 100
	var sent atomic.Uint64 // pushes written
	var cutOff atomic.Bool // the relay went while the client was still writing
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for i := uint64(1); i <= 100000; i++ {
			body := []byte("sealed")
			b, _ := wire.Encode(&wire.Push{Req: 100 + i, Doc: doc, DSeq: i, Body: body, Sig: key.SignRecord(doc, i, body)})
			if ws.Write(ctx, websocket.MessageBinary, b) != nil {
				cutOff.Store(true)
				return
			}
			sent.Store(i)
		}
	}()
	acked := map[uint64]bool{}
	termed := false
	var closeErr error
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			closeErr = err
			break
		}
		if m, _ := wire.Decode(b); m != nil {
			if a, ok := m.(*wire.Ack); ok && a.Req > 100 {
				acked[a.Seq] = true
			}
		}
		if !termed && len(acked) >= ackedBeforeTerm {
			termed = true
			stopRelay(t, cmd.Process)
		}
	}
	<-writerDone
	if !termed {
		t.Fatalf("the connection ended after %d acknowledgements, before SIGTERM was sent: %v\n%s", len(acked), closeErr, log)
	}
	if st := websocket.CloseStatus(closeErr); st != websocket.StatusGoingAway {
		t.Errorf("clients were closed with %v, want going-away so they reconnect", closeErr)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("relay exit after SIGTERM: %v\n%s", err, log)
	}
	if !strings.Contains(log.String(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop in the log:\n%s", log)
	}
	// The shutdown overlapped the stream: the client was still pushing when
	// the relay closed the connection. (Whether the relay acknowledged
	// everything it had read before closing depends on timing; what
	// matters is below: everything acknowledged survives.)
	if !cutOff.Load() {
		t.Fatalf("the client wrote all %d pushes before the relay went: the shutdown did not land mid-stream", sent.Load())
	}
	t.Logf("SIGTERM after %d acknowledgements; %d pushes written, %d acknowledged when the relay closed the connection", ackedBeforeTerm, sent.Load(), len(acked))

	relay2 := serveRelay(t, dir)
	ws2 := dialRelay(t, ctx, relay2.addr, "")
	call(t, ctx, ws2, &wire.Subscribe{Req: 1, Doc: doc, Cap: w[:]})
	got := map[uint64]bool{}
	for {
		_, b, err := ws2.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := wire.Decode(b)
		if rs, ok := m.(*wire.Records); ok {
			for _, r := range rs.Recs {
				got[r.Seq] = true
			}
		}
		if _, ok := m.(*wire.CaughtUp); ok {
			break
		}
	}
	for seq := range acked {
		if !got[seq] {
			t.Fatalf("record %d was acknowledged before SIGTERM and is gone after the restart", seq)
		}
	}
	t.Logf("%d records acknowledged before SIGTERM, all present after restart", len(acked))

	// A second relay on the same folder is refused with a clear message.
	if _, e, code := relayCmd(t, "serve", "--listen", "127.0.0.1:0", "--data", dir); code == 0 || !strings.Contains(e, "in use by another relay") {
		t.Errorf("second relay on one folder: exit %d, %q", code, e)
	}
}

// dialRelay connects as a new device.
func dialRelay(t *testing.T, ctx context.Context, addr, tok string) *websocket.Conn {
	t.Helper()
	return dialAs(t, ctx, addr, tok, seal.NewDeviceKey())
}

// call sends m and waits for its answer (Welcome, or the Ack for its Req).
func call(t *testing.T, ctx context.Context, ws *websocket.Conn, m wire.Message) {
	t.Helper()
	b, _ := wire.Encode(m)
	if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		t.Fatal(err)
	}
	for {
		switch r := readMsg(t, ctx, ws).(type) {
		case *wire.Welcome, *wire.Ack:
			return
		case *wire.Error:
			t.Fatalf("%s: %v", m.WireType(), r)
		}
	}
}

// readMsg reads and decodes one message.
func readMsg(t *testing.T, ctx context.Context, ws *websocket.Conn) wire.Message {
	t.Helper()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTLSAndCertificateVerification serves wss:// directly and checks that a
// client verifies the relay's certificate: one that trusts it connects, one
// that does not is refused before anything is sent.
func TestTLSAndCertificateVerification(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	relay := serveRelay(t, dir, "--tls-cert", certFile, "--tls-key", keyFile)
	addr, log := relay.addr, relay.log
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := trusting.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("relay did not serve TLS: %v\n%s", err, log)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz over TLS: %d\n%s", resp.StatusCode, log)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss://"+addr, &websocket.DialOptions{HTTPClient: trusting, Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		t.Fatalf("a client that trusts the certificate: %v", err)
	}
	ws.CloseNow()
	// The default client, as the app uses, checks the certificate chain.
	_, _, err = websocket.Dial(ctx, "wss://"+addr, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("a client that does not trust the certificate got %v, want an unknown-authority error", err)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestProfilerOnlyOnLoopbackAndOnlyWhenAsked: the profiler is off unless
// asked for, never on the relay's own address, and refuses an address
// other machines could reach.
func TestProfilerOnlyOnLoopbackAndOnlyWhenAsked(t *testing.T) {
	dir := t.TempDir()
	if _, e, code := relayCmd(t, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--debug-listen", "0.0.0.0:6060"); code == 0 || !strings.Contains(e, "loopback") {
		t.Fatalf("a profiler on every interface: exit %d, %q", code, e)
	}
	relay := serveRelay(t, dir, "--debug-listen")
	addr, debug, log := relay.addr, relay.debug, relay.log
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("%s: %v\n%s", url, err, log)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("http://" + debug + "/debug/pprof/"); code != http.StatusOK {
		t.Errorf("profiler index: %d", code)
	}
	if code := get("http://" + addr + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("the relay's own address serves the profiler: %d", code)
	}
}
