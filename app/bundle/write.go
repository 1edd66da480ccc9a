package bundle

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"pairwise/shared/seal"
)

// Contents is what a file of changes carries.
type Contents struct {
	Pair    [16]byte
	Heads   []string // the exporter's heads now
	Certs   [][]byte // writer certificates the importer needs to trust the exporter
	Changes [][]byte // one change each, in causal order
	From    time.Time
	To      time.Time
}

// Write seals and signs c as device, with the pair's key.
func Write(key seal.Key, device seal.DeviceKey, c Contents) ([]byte, error) {
	switch {
	case len(c.Changes) > MaxChanges:
		return nil, fmt.Errorf("the pair has %d changes, more than one file can carry (%d)", len(c.Changes), MaxChanges)
	case len(c.Heads) > MaxHeads:
		return nil, fmt.Errorf("the pair has %d heads, more than one file can carry (%d)", len(c.Heads), MaxHeads)
	case len(c.Certs) > MaxCerts:
		return nil, fmt.Errorf("the pair has %d writer certificates, more than one file can carry (%d)", len(c.Certs), MaxCerts)
	}
	pub := device.Pub()
	b := make([]byte, 0, fixedHeader+4+32*len(c.Heads)+seal.CertSize*len(c.Certs))
	b = append(b, magic...)
	b = append(b, Version)
	b = append(b, c.Pair[:]...)
	b = append(b, pub[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.From.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(c.To.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.Changes)))
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Heads)))
	for _, h := range c.Heads {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("bundle: head %q is not a change hash", h)
		}
		b = append(b, raw...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Certs)))
	for _, cert := range c.Certs {
		if len(cert) != seal.CertSize {
			return nil, fmt.Errorf("bundle: a writer certificate of %d bytes", len(cert))
		}
		b = append(b, cert...)
	}
	header := b
	var plain []byte
	for _, ch := range c.Changes {
		plain = binary.AppendUvarint(plain, uint64(len(ch)))
		plain = append(plain, ch...)
	}
	sealed := seal.SealBundle(key, c.Pair, device.ID(), header, plain)
	if len(header)+4+len(sealed)+seal.SigSize > MaxFileBytes {
		return nil, fmt.Errorf("the pair's changes come to %d MB, more than one file can carry (%d MB)", len(sealed)>>20, MaxFileBytes>>20)
	}
	out := binary.BigEndian.AppendUint32(header, uint32(len(sealed)))
	out = append(out, sealed...)
	return append(out, device.SignBundle(c.Pair, out)...), nil
}
