package seal

import (
	"crypto/sha256"
)

// Bundles carry a pair's changes from one machine to another by file (a
// USB stick, an e-mail attachment) where no relay reaches. The changes are
// sealed with the pair's key as one blob whose associated data binds the
// pair, the exporting device and the file's header, so a header cannot be
// put in front of another file's changes; the exporting device signs the
// whole file, and only a writer's signature is accepted.

const (
	bundleLabel    = "pairwise bundle v1"
	bundleSigLabel = "pairwise bundle signature v1"
)

// SealBundle encrypts the changes of a bundle of doc exported by device,
// whose header (everything in the file before the sealed part) is header.
func SealBundle(k Key, doc, device [16]byte, header, plain []byte) []byte {
	return sealAEAD(k, bundleAD(doc, device, header), plain)
}

// OpenBundle decrypts what SealBundle sealed. Any failure wraps ErrOpen.
func OpenBundle(k Key, doc, device [16]byte, header, sealed []byte) ([]byte, error) {
	return openAEAD(k, bundleAD(doc, device, header), sealed, "file of changes")
}

func bundleAD(doc, device [16]byte, header []byte) []byte {
	sum := sha256.Sum256(header)
	ad := make([]byte, 0, len(bundleLabel)+1+16+16+len(sum))
	ad = append(ad, bundleLabel...)
	ad = append(ad, 0)
	ad = append(ad, doc[:]...)
	ad = append(ad, device[:]...)
	return append(ad, sum[:]...)
}

// SignBundle signs a whole bundle file of doc (every byte before the
// signature) as this device.
func (k DeviceKey) SignBundle(doc [16]byte, file []byte) []byte {
	id := k.ID()
	sum := sha256.Sum256(file)
	return k.sign(bundleSigLabel, doc[:], id[:], sum[:])
}

// CheckBundle verifies a bundle's signature by pub. pub must be a writer's
// key from Writers, whose strength was checked when it was taken.
func CheckBundle(pub DevicePub, doc [16]byte, file, sig []byte) bool {
	id := DeviceIDOf(pub)
	sum := sha256.Sum256(file)
	return verifyVetted(pub, sig, bundleSigLabel, doc[:], id[:], sum[:])
}
