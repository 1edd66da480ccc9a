package seal

import "errors"

// crockfordAlphabet is Douglas Crockford's base32 alphabet. It leaves out I,
// L, O and U, so a code read aloud or copied by hand has no look-alikes;
// ParseInvite maps I, L and O back to the digits people meant.
const crockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// crockfordValue maps an upper-case alphabet byte to its 5-bit value, and
// every other byte to -1.
var crockfordValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(crockfordAlphabet); i++ {
		t[crockfordAlphabet[i]] = int8(i)
	}
	return t
}()

// errBase32Length and errBase32Padding are decode failures that no encoder
// output can produce: a character too many or too few, or a last character
// whose unused low bits are set.
var (
	errBase32Length  = errors.New("base32: impossible length")
	errBase32Padding = errors.New("base32: non-zero padding bits")
)

// base32CharError reports a byte outside the alphabet at index Index.
type base32CharError struct{ Index int }

func (e base32CharError) Error() string { return "base32: character outside the alphabet" }

// encodeBase32 encodes b without padding, most significant bits first.
func encodeBase32(b []byte) []byte {
	out := make([]byte, 0, (len(b)*8+4)/5)
	var acc uint16 // never holds more than 12 bits
	n := 0         // how many of acc's low bits are pending
	for _, c := range b {
		acc = acc<<8 | uint16(c)
		n += 8
		for n >= 5 {
			n -= 5
			out = append(out, crockfordAlphabet[acc>>n&31])
		}
		acc &= 1<<n - 1
	}
	if n > 0 {
		out = append(out, crockfordAlphabet[acc<<(5-n)&31])
	}
	return out
}

// decodeBase32 decodes upper-case characters of the alphabet. It accepts
// exactly what encodeBase32 produces, so every code has one spelling.
func decodeBase32(s []byte) ([]byte, error) {
	if len(s)*5%8 >= 5 {
		return nil, errBase32Length
	}
	out := make([]byte, 0, len(s)*5/8)
	var acc uint16
	n := 0
	for i, c := range s {
		v := crockfordValue[c]
		if v < 0 {
			return nil, base32CharError{Index: i}
		}
		acc = acc<<5 | uint16(v)
		n += 5
		if n >= 8 {
			n -= 8
			out = append(out, byte(acc>>n))
			acc &= 1<<n - 1
		}
	}
	if acc != 0 {
		return nil, errBase32Padding
	}
	return out, nil
}
