package seal

import "testing"

// Certificates that wait for an issuer nobody trusts are bounded, and a
// flood of them must not stop a real joiner: a joiner's admission and
// writer certificates arrive together and are settled together first.
func TestWaitingCertificatesCannotBlockAJoiner(t *testing.T) {
	root := NewDeviceKey()
	doc := NewDocID()
	w := NewWriters(doc, root.Pub())
	stranger := NewDeviceKey() // holds the write key, is no writer
	flood := make([][]byte, MaxCerts+10)
	for i := range flood {
		flood[i] = stranger.Issue(CertAdmission, doc, NewDeviceKey().Pub()).Encode()
	}
	if added, err := w.Add(flood...); len(added) != 0 || err == nil {
		t.Fatalf("the flood: %d accepted, error %v; want none accepted and an error", len(added), err)
	}
	if len(w.waiting) > MaxCerts {
		t.Fatalf("%d certificates wait, more than MaxCerts", len(w.waiting))
	}
	joiner := NewDeviceKey()
	if _, err := w.Add(NewAdmission(root, doc).Certs(doc, joiner.Pub())...); err != nil {
		t.Fatalf("a real join after the flood: %v", err)
	}
	if _, ok := w.Writer(joiner.ID()); !ok {
		t.Fatal("the joiner is no writer after the flood")
	}
}
