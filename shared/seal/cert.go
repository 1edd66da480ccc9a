package seal

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Write authority. A document names one root key: the device that created
// a pair, the manager's device for a cohort's programme, or a key derived
// from the cohort key for its board (every member may write the board).
// Whoever the root trusts may write, through certificates:
//
//   - an admission certificate, signed by a writer, makes a fresh key a
//     door for new writers; its private half travels in a write invite, so
//     whoever holds that invite code can become a writer (as many devices
//     as they like: a CRDT has no single "first" to hold them to one);
//   - a writer certificate, signed by a writer or by an admission key,
//     makes a device a writer.
//
// Certificates are public (the relay stores and serves them) but cannot be
// forged, so every replica checks for itself that a record's device chains
// back to the root it learned from its invite, never from the relay.

// CertKind says what a certificate grants.
type CertKind byte

const (
	// CertAdmission makes its subject an admission key.
	CertAdmission CertKind = 1
	// CertWriter makes its subject a writer device.
	CertWriter CertKind = 2
)

// CertSize is the encoded size of a certificate.
const CertSize = 1 + 1 + 16 + 32 + 32 + SigSize

const certVersion = 2

// Cert is one signed grant of write authority over one document.
type Cert struct {
	Kind    CertKind
	Doc     [16]byte
	Subject DevicePub
	Issuer  DevicePub
	Sig     []byte
}

// ErrCert wraps every malformed or badly signed certificate.
var ErrCert = errors.New("a writer certificate is not valid")

// Issue signs a certificate of kind for subject over doc, issued by k.
func (k DeviceKey) Issue(kind CertKind, doc [16]byte, subject DevicePub) Cert {
	c := Cert{Kind: kind, Doc: doc, Subject: subject, Issuer: k.Pub()}
	c.Sig = k.sign(certLabel, c.signed())
	return c
}

func (c Cert) signed() []byte {
	b := make([]byte, 0, 1+16+32+32)
	b = append(b, byte(c.Kind))
	b = append(b, c.Doc[:]...)
	b = append(b, c.Subject[:]...)
	return append(b, c.Issuer[:]...)
}

// Encode returns the certificate's wire form.
func (c Cert) Encode() []byte {
	b := make([]byte, 0, CertSize)
	b = append(b, certVersion)
	b = append(b, c.signed()...)
	return append(b, c.Sig...)
}

// ParseCert reads and verifies one certificate's form and signature. It
// does not say whether the issuer may issue it: Writers does.
func ParseCert(b []byte) (Cert, error) {
	if len(b) != CertSize || b[0] != certVersion {
		return Cert{}, fmt.Errorf("%w: %d bytes", ErrCert, len(b))
	}
	c := Cert{Kind: CertKind(b[1])}
	if c.Kind != CertAdmission && c.Kind != CertWriter {
		return Cert{}, fmt.Errorf("%w: unknown kind %d", ErrCert, c.Kind)
	}
	copy(c.Doc[:], b[2:18])
	copy(c.Subject[:], b[18:50])
	copy(c.Issuer[:], b[50:82])
	c.Sig = append([]byte(nil), b[82:]...)
	if !verify(c.Issuer, c.Sig, certLabel, c.signed()) {
		return Cert{}, fmt.Errorf("%w: bad signature", ErrCert)
	}
	if !StrongKey(c.Subject) {
		return Cert{}, fmt.Errorf("%w: its subject is a weak key", ErrCert)
	}
	return c, nil
}

// MaxCerts bounds the certificates one document may hold: every invite
// adds two, so this is thousands of invites.
const MaxCerts = 4096

// Writers is the write authority of one document as far as a replica
// knows it: its root and every certificate that chains back to it. It is
// not safe for concurrent use.
type Writers struct {
	doc        [16]byte
	root       DevicePub
	writers    map[[16]byte]DevicePub // by device ID
	admissions map[DevicePub]bool
	certs      map[[32]byte][]byte // accepted, by hash
	waiting    map[[32]byte]Cert   // well signed, issuer not (yet) trusted
}

// NewWriters starts the authority of doc from its root. A root of small
// order (see StrongKey) trusts nobody, not even itself.
func NewWriters(doc [16]byte, root DevicePub) *Writers {
	w := &Writers{doc: doc, root: root, writers: map[[16]byte]DevicePub{}, admissions: map[DevicePub]bool{},
		certs: map[[32]byte][]byte{}}
	if StrongKey(root) {
		w.writers[DeviceIDOf(root)] = root
	}
	return w
}

// Root returns the document's root key.
func (w *Writers) Root() DevicePub { return w.root }

// Writer returns the key of a writer device, and whether it is one.
func (w *Writers) Writer(dev [16]byte) (DevicePub, bool) {
	p, ok := w.writers[dev]
	return p, ok
}

func (w *Writers) isWriterKey(p DevicePub) bool {
	q, ok := w.writers[DeviceIDOf(p)]
	return ok && q == p
}

// Add takes certificates in any order and returns those newly accepted.
// Certificates for another document, badly signed, or past MaxCerts are
// refused with an error naming the first; the rest are still taken. One
// whose issuer is not trusted yet waits until its issuer is, within a
// bound: what arrives together (a joiner's admission and writer
// certificates) is settled together first, so certificates left waiting
// by others can never crowd out a real chain.
func (w *Writers) Add(raw ...[]byte) (added [][]byte, err error) {
	var fresh [][32]byte // this call's certificates, waiting for now
	for _, b := range raw {
		h := sha256.Sum256(b)
		if _, ok := w.certs[h]; ok {
			continue
		}
		if _, ok := w.waiting[h]; ok {
			continue
		}
		if len(b) == CertSize && !bytes.Equal(b[2:18], w.doc[:]) {
			err = cmpErr(err, fmt.Errorf("%w: it is for another document", ErrCert))
			continue // refused before its signature is checked
		}
		c, perr := ParseCert(b)
		switch {
		case perr != nil:
			err = cmpErr(err, perr)
			continue
		case c.Doc != w.doc:
			err = cmpErr(err, fmt.Errorf("%w: it is for another document", ErrCert))
			continue
		}
		if w.waiting == nil {
			w.waiting = map[[32]byte]Cert{}
		}
		w.waiting[h] = c
		fresh = append(fresh, h)
	}
	for progress := true; progress; {
		progress = false
		for h, c := range w.waiting {
			if !w.mayIssue(c) {
				continue
			}
			delete(w.waiting, h)
			if len(w.certs) >= MaxCerts {
				err = cmpErr(err, fmt.Errorf("%w: this document already has %d", ErrCert, MaxCerts))
				continue
			}
			b := c.Encode()
			w.certs[h] = b
			added = append(added, b)
			if c.Kind == CertWriter {
				w.writers[DeviceIDOf(c.Subject)] = c.Subject
			} else {
				w.admissions[c.Subject] = true
			}
			progress = true
		}
	}
	// Certificates nobody trusts yet are kept only so far: this call's
	// leftovers go first.
	for i := len(fresh) - 1; i >= 0 && len(w.waiting) > MaxCerts; i-- {
		if _, ok := w.waiting[fresh[i]]; ok {
			delete(w.waiting, fresh[i])
			err = cmpErr(err, fmt.Errorf("%w: too many certificates wait for an issuer", ErrCert))
		}
	}
	if len(w.waiting) == 0 {
		w.waiting = nil // a relay holds a Writers for every pair it serves: no empty table each
	}
	return added, err
}

func (w *Writers) mayIssue(c Cert) bool {
	if w.isWriterKey(c.Issuer) {
		return true
	}
	return c.Kind == CertWriter && w.admissions[c.Issuer]
}

func cmpErr(old, e error) error {
	if old != nil {
		return old
	}
	return e
}

// Certs returns every accepted certificate, for storing and for sending.
func (w *Writers) Certs() [][]byte {
	out := make([][]byte, 0, len(w.certs))
	for _, b := range w.certs {
		out = append(out, b)
	}
	return out
}

// Count returns how many writer devices there are, the root included.
func (w *Writers) Count() int { return len(w.writers) }
