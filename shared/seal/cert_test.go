package seal

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"testing"
)

// assertWriter fails unless dev is a writer of w under its own key.
func assertWriter(t *testing.T, w *Writers, dev DeviceKey, name string) {
	t.Helper()
	got, ok := w.Writer(dev.ID())
	if !ok {
		t.Fatalf("%s: got not a writer, want a writer", name)
	}
	if got != dev.Pub() {
		t.Fatalf("%s: got writer key %x, want %x", name, got, dev.Pub())
	}
}

// assertNotWriter fails if dev is a writer of w.
func assertNotWriter(t *testing.T, w *Writers, dev DeviceKey, name string) {
	t.Helper()
	if got, ok := w.Writer(dev.ID()); ok {
		t.Fatalf("%s: got a writer with key %x, want not a writer", name, got)
	}
}

// mustAdd adds certificates that must all be well formed and for w's doc.
func mustAdd(t *testing.T, w *Writers, certs ...[]byte) [][]byte {
	t.Helper()
	added, err := w.Add(certs...)
	if err != nil {
		t.Fatalf("Add: got error %v, want nil", err)
	}
	return added
}

// holds reports whether certs contains c.
func holds(certs [][]byte, c []byte) bool {
	for _, b := range certs {
		if bytes.Equal(b, c) {
			return true
		}
	}
	return false
}

func TestWritersRoot(t *testing.T) {
	root, stranger := fixedDeviceKey(0x00), fixedDeviceKey(0x40)
	w := NewWriters(testDoc, root.Pub())
	if got, want := w.Root(), root.Pub(); got != want {
		t.Fatalf("Root: got %x, want %x", got, want)
	}
	assertWriter(t, w, root, "root")
	assertNotWriter(t, w, stranger, "stranger")
	if got, want := w.Count(), 1; got != want {
		t.Fatalf("Count: got %d, want %d", got, want)
	}
	if got := w.Certs(); len(got) != 0 {
		t.Fatalf("Certs: got %d, want none", len(got))
	}
}

// The path of a write invite: the inviter makes an admission, the joiner's
// device certifies itself with it, and every replica then takes the
// joiner's records.
func TestWritersAdmitThroughAdmission(t *testing.T) {
	root, joiner, next := fixedDeviceKey(0x00), fixedDeviceKey(0x40), fixedDeviceKey(0x60)
	w := NewWriters(testDoc, root.Pub())
	adm := NewAdmission(root, testDoc)
	certs := adm.Certs(testDoc, joiner.Pub())
	if got, want := len(certs), 2; got != want {
		t.Fatalf("Admission.Certs: got %d certificates, want %d", got, want)
	}
	admKey := DeviceKeyFromSeed(adm.Seed[:])
	for i, want := range []Cert{
		{Kind: CertAdmission, Doc: testDoc, Subject: admKey.Pub(), Issuer: root.Pub()},
		{Kind: CertWriter, Doc: testDoc, Subject: joiner.Pub(), Issuer: admKey.Pub()},
	} {
		got, err := ParseCert(certs[i])
		if err != nil {
			t.Fatalf("certificate %d: got error %v, want nil", i, err)
		}
		got.Sig = nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("certificate %d: got %+v, want %+v", i, got, want)
		}
	}

	if got, want := len(mustAdd(t, w, certs...)), 2; got != want {
		t.Fatalf("Add: got %d accepted, want %d", got, want)
	}
	assertWriter(t, w, joiner, "joiner")
	assertNotWriter(t, w, admKey, "admission key")
	if got, want := w.Count(), 2; got != want {
		t.Fatalf("Count: got %d, want %d", got, want)
	}
	sealed := SealRecord(testKey, testDoc, joiner.ID(), 1, []byte("hello"))
	sig := joiner.SignRecord(testDoc, 1, sealed)
	if pub, _ := w.Writer(joiner.ID()); !CheckRecord(pub, testDoc, joiner.ID(), 1, sealed, sig) {
		t.Fatal("CheckRecord with the joiner's key from Writers: got false, want true")
	}

	// A writer admitted this way may invite in turn.
	mustAdd(t, w, NewAdmission(joiner, testDoc).Certs(testDoc, next.Pub())...)
	assertWriter(t, w, next, "device admitted by the joiner")
}

// chain returns five certificates that make three devices writers one after
// the other (root → admission → dev1 → dev2 → admission → dev3), and for
// each device the indexes of the certificates it needs.
func chain(root DeviceKey, doc [16]byte) (certs [][]byte, devs []DeviceKey, needs [][]int) {
	dev1, dev2, dev3 := NewDeviceKey(), NewDeviceKey(), NewDeviceKey()
	certs = append(certs, NewAdmission(root, doc).Certs(doc, dev1.Pub())...)
	certs = append(certs, dev1.Issue(CertWriter, doc, dev2.Pub()).Encode())
	certs = append(certs, NewAdmission(dev2, doc).Certs(doc, dev3.Pub())...)
	return certs, []DeviceKey{dev1, dev2, dev3}, [][]int{{0, 1}, {0, 1, 2}, {0, 1, 2, 3, 4}}
}

// permutations returns every ordering of 0…n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// Certificates reach a replica in whatever order the relay sends them; a
// device becomes a writer exactly when its whole chain has arrived.
func TestWritersAnyOrder(t *testing.T) {
	root := fixedDeviceKey(0x00)
	certs, devs, needs := chain(root, testDoc)
	for _, perm := range permutations(len(certs)) {
		t.Run(fmt.Sprint(perm), func(t *testing.T) {
			all := NewWriters(testDoc, root.Pub())
			in := make([][]byte, len(perm))
			for i, j := range perm {
				in[i] = certs[j]
			}
			if got, want := len(mustAdd(t, all, in...)), len(certs); got != want {
				t.Fatalf("all at once: got %d accepted, want %d", got, want)
			}
			for i, d := range devs {
				assertWriter(t, all, d, fmt.Sprintf("all at once: dev%d", i+1))
			}

			one := NewWriters(testDoc, root.Pub())
			have := map[int]bool{}
			for _, j := range perm {
				mustAdd(t, one, certs[j])
				have[j] = true
				for i, d := range devs {
					name := fmt.Sprintf("one at a time, after %v: dev%d", perm[:len(have)], i+1)
					if complete(have, needs[i]) {
						assertWriter(t, one, d, name)
					} else {
						assertNotWriter(t, one, d, name)
					}
				}
			}
		})
	}
}

func complete(have map[int]bool, need []int) bool {
	for _, i := range need {
		if !have[i] {
			return false
		}
	}
	return true
}

// Nobody outside the chain of trust can grant write authority, however the
// certificates are signed.
func TestWritersRefuseUntrustedIssuers(t *testing.T) {
	root := fixedDeviceKey(0x00)
	reader := fixedDeviceKey(0x20) // a read-only member: holds the doc key, no certificate
	dev := fixedDeviceKey(0x40)
	x := fixedDeviceKey(0x60)
	adm := NewAdmission(root, testDoc)
	admKey := DeviceKeyFromSeed(adm.Seed[:])
	admCert := adm.Certs(testDoc, dev.Pub())[0]

	tests := []struct {
		name  string
		certs [][]byte
		bad   []DeviceKey // must not be writers
	}{
		{"read-only member certifies itself",
			[][]byte{reader.Issue(CertWriter, testDoc, reader.Pub()).Encode()}, []DeviceKey{reader}},
		{"read-only member certifies another device",
			[][]byte{reader.Issue(CertWriter, testDoc, dev.Pub()).Encode()}, []DeviceKey{dev}},
		{"read-only member makes an admission",
			NewAdmission(reader, testDoc).Certs(testDoc, dev.Pub()), []DeviceKey{dev}},
		{"admission key without its own certificate",
			adm.Certs(testDoc, dev.Pub())[1:], []DeviceKey{dev}},
		{"admission key issues an admission",
			[][]byte{admCert, admKey.Issue(CertAdmission, testDoc, x.Pub()).Encode(), x.Issue(CertWriter, testDoc, dev.Pub()).Encode()},
			[]DeviceKey{dev, x}},
		{"a stranger's key",
			[][]byte{x.Issue(CertWriter, testDoc, dev.Pub()).Encode()}, []DeviceKey{dev}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriters(testDoc, root.Pub())
			w.Add(tt.certs...)
			w.Add(tt.certs...) // a second pass must not change anything
			for _, d := range tt.bad {
				assertNotWriter(t, w, d, "after the certificates")
			}
			if got, want := w.Count(), 1; got != want {
				t.Fatalf("Count: got %d, want %d (the root alone)", got, want)
			}
			accepted := w.Certs()
			for i, c := range tt.certs {
				if bytes.Equal(c, admCert) {
					continue // the root's own admission is fine
				}
				if holds(accepted, c) {
					t.Fatalf("certificate %d: got accepted, want refused", i)
				}
			}
		})
	}
}

func TestWritersRefuseOtherDoc(t *testing.T) {
	root, dev, other := fixedDeviceKey(0x00), fixedDeviceKey(0x40), fixedDeviceKey(0x60)
	otherDoc := testDoc
	otherDoc[0] ^= 0x01
	w := NewWriters(testDoc, root.Pub())
	// The root signs both: it may be the root of both documents, but a
	// grant over one is no grant over the other.
	foreign := root.Issue(CertWriter, otherDoc, dev.Pub()).Encode()
	good := root.Issue(CertWriter, testDoc, other.Pub()).Encode()
	added, err := w.Add(foreign, good)
	if !errors.Is(err, ErrCert) {
		t.Fatalf("Add: got error %v, want one wrapping ErrCert", err)
	}
	assertNotWriter(t, w, dev, "device certified for another doc")
	if !holds(added, good) || len(added) != 1 {
		t.Fatalf("Add: got %d accepted, want the good certificate alone", len(added))
	}
	assertWriter(t, w, other, "device certified in the same call")
}

// Flipping any bit of a certificate, in either of the two an admission
// takes, makes it worthless.
func TestWritersRefuseTamperedCerts(t *testing.T) {
	root, dev := fixedDeviceKey(0x00), fixedDeviceKey(0x40)
	certs := NewAdmission(root, testDoc).Certs(testDoc, dev.Pub())
	for which, genuine := range certs {
		for i := range genuine {
			for _, mask := range []byte{0x01, 0x80} {
				name := fmt.Sprintf("certificate %d, byte %d ^ %#02x", which, i, mask)
				b := bytes.Clone(genuine)
				b[i] ^= mask
				if c, err := ParseCert(b); !errors.Is(err, ErrCert) {
					t.Fatalf("%s: ParseCert got %+v, %v; want an error wrapping ErrCert", name, c, err)
				}
				in := [][]byte{certs[0], certs[1]}
				in[which] = b
				w := NewWriters(testDoc, root.Pub())
				if _, err := w.Add(in...); !errors.Is(err, ErrCert) {
					t.Fatalf("%s: Add got error %v, want one wrapping ErrCert", name, err)
				}
				assertNotWriter(t, w, dev, name)
				if holds(w.Certs(), b) {
					t.Fatalf("%s: got accepted, want refused", name)
				}
			}
		}
	}
}

func TestWritersMaxCerts(t *testing.T) {
	if testing.Short() {
		t.Skip("signs and checks MaxCerts certificates")
	}
	root := fixedDeviceKey(0x00)
	subject := func(i int) DevicePub {
		var seed [32]byte
		seed[0], seed[1], seed[31] = byte(i>>8), byte(i), 0x77
		return DeviceKeyFromSeed(seed[:]).Pub()
	}
	certs := make([][]byte, MaxCerts+1)
	for i := range certs {
		certs[i] = root.Issue(CertWriter, testDoc, subject(i)).Encode()
	}
	w := NewWriters(testDoc, root.Pub())
	if got, want := len(mustAdd(t, w, certs[:MaxCerts]...)), MaxCerts; got != want {
		t.Fatalf("Add: got %d accepted, want %d", got, want)
	}
	added, err := w.Add(certs[MaxCerts])
	if !errors.Is(err, ErrCert) {
		t.Fatalf("certificate %d: got error %v, want one wrapping ErrCert", MaxCerts+1, err)
	}
	if len(added) != 0 {
		t.Fatalf("certificate %d: got %d accepted, want none", MaxCerts+1, len(added))
	}
	if _, ok := w.Writer(DeviceIDOf(subject(MaxCerts))); ok {
		t.Fatalf("certificate %d: got its subject as a writer, want not", MaxCerts+1)
	}
	if got, want := w.Count(), MaxCerts+1; got != want {
		t.Fatalf("Count: got %d, want %d (the root and %d certified)", got, want, MaxCerts)
	}
	if got, want := len(w.Certs()), MaxCerts; got != want {
		t.Fatalf("Certs: got %d, want %d", got, want)
	}
	// Certificates already held are not new, so the bound does not refuse them.
	if added := mustAdd(t, w, certs[0], certs[MaxCerts-1]); len(added) != 0 {
		t.Fatalf("adding held certificates again: got %d accepted, want none", len(added))
	}
}

// What a replica stores (Certs) rebuilds the same authority from the root
// it learned from its invite, and no authority from any other root.
func TestWritersCertsRoundTrip(t *testing.T) {
	root, stranger, reader := fixedDeviceKey(0x00), fixedDeviceKey(0x20), fixedDeviceKey(0x40)
	certs, devs, _ := chain(root, testDoc)
	w := NewWriters(testDoc, root.Pub())
	mustAdd(t, w, certs...)
	// One certificate that waits forever: it must not be stored as accepted.
	mustAdd(t, w, reader.Issue(CertWriter, testDoc, reader.Pub()).Encode())

	stored := w.Certs()
	if got, want := len(stored), len(certs); got != want {
		t.Fatalf("Certs: got %d, want %d", got, want)
	}
	fresh := NewWriters(testDoc, root.Pub())
	if got, want := len(mustAdd(t, fresh, stored...)), len(stored); got != want {
		t.Fatalf("fresh Writers: got %d accepted, want %d", got, want)
	}
	if got, want := fresh.Count(), w.Count(); got != want {
		t.Fatalf("fresh Writers: got Count %d, want %d", got, want)
	}
	for i, d := range append(devs, root) {
		assertWriter(t, fresh, d, fmt.Sprintf("fresh Writers, device %d", i))
	}
	assertNotWriter(t, fresh, reader, "fresh Writers, reader")
	for _, c := range stored {
		if !holds(fresh.Certs(), c) {
			t.Fatalf("fresh Writers: certificate %x… not held", c[:8])
		}
	}

	otherRoot := NewWriters(testDoc, stranger.Pub())
	if added := mustAdd(t, otherRoot, stored...); len(added) != 0 {
		t.Fatalf("Writers with another root: got %d accepted, want none", len(added))
	}
	for i, d := range append(devs, root) {
		assertNotWriter(t, otherRoot, d, fmt.Sprintf("Writers with another root, device %d", i))
	}
}

func FuzzParseCert(f *testing.F) {
	root, dev := fixedDeviceKey(0x00), fixedDeviceKey(0x40)
	certs := NewAdmission(root, testDoc).Certs(testDoc, dev.Pub())
	for _, c := range certs {
		f.Add(c)
		f.Add(c[:len(c)-1])
		f.Add(append(bytes.Clone(c), 0))
	}
	unknownKind := bytes.Clone(certs[0])
	unknownKind[1] = 3
	f.Add(unknownKind)
	oldVersion := bytes.Clone(certs[1])
	oldVersion[0] = 1
	f.Add(oldVersion)
	f.Add([]byte{})
	f.Add(make([]byte, CertSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCert(b)
		if err != nil {
			if !errors.Is(err, ErrCert) {
				t.Fatalf("got error %v, want one wrapping ErrCert", err)
			}
			if c.Sig != nil || c.Kind != 0 || c.Doc != ([16]byte{}) || c.Subject != (DevicePub{}) || c.Issuer != (DevicePub{}) {
				t.Fatalf("got %+v alongside the error, want the zero Cert", c)
			}
			return
		}
		if got := c.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("re-encoded: got %x, want %x", got, b)
		}
		if c.Kind != CertAdmission && c.Kind != CertWriter {
			t.Fatalf("got kind %d, want admission or writer", c.Kind)
		}
	})
}

// A relay holds a Writers for every pair it serves. Once every certificate
// is settled none waits, and no table for waiting ones is kept: a settled
// Writers with one writer certificate keeps well under 2 KB (it kept 2.6
// KB with an empty table for waiting ones).
func TestSettledWritersKeepNoTableForWaitingCertificates(t *testing.T) {
	root, other := NewDeviceKey(), NewDeviceKey()
	var doc [16]byte
	cert := root.Issue(CertWriter, doc, other.Pub()).Encode()
	ws := make([]*Writers, 1000)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range ws {
		ws[i] = NewWriters(doc, root.Pub())
		if added, err := ws[i].Add(cert); err != nil || len(added) != 1 {
			t.Fatalf("the writer certificate: %d added, %v", len(added), err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ws)
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / int64(len(ws)); per > 2000 {
		t.Fatalf("a settled Writers keeps %d bytes", per)
	}
	if _, ok := ws[0].Writer(DeviceIDOf(other.Pub())); !ok {
		t.Fatal("the certified writer is not a writer")
	}
}
