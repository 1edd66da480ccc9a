package seal

import "testing"

// The cost of signed records: every push is signed once by its writer and
// checked by the relay and by every replica that receives it.

func benchRecord(b *testing.B) (DeviceKey, [16]byte, []byte) {
	k := NewDeviceKey()
	doc := NewDocID()
	body := SealRecord(NewKey(), doc, k.ID(), 1, make([]byte, 200)) // a typical small edit
	return k, doc, body
}

func BenchmarkSignRecord(b *testing.B) {
	k, doc, body := benchRecord(b)
	b.ReportAllocs()
	for b.Loop() {
		k.SignRecord(doc, 1, body)
	}
}

func BenchmarkCheckRecord(b *testing.B) {
	k, doc, body := benchRecord(b)
	sig := k.SignRecord(doc, 1, body)
	pub, id := k.Pub(), k.ID()
	b.ReportAllocs()
	for b.Loop() {
		if !CheckRecord(pub, doc, id, 1, body, sig) {
			b.Fatal("a good signature did not verify")
		}
	}
}

func BenchmarkSealRecord(b *testing.B) {
	key, doc := NewKey(), NewDocID()
	plain := make([]byte, 200)
	b.ReportAllocs()
	for b.Loop() {
		SealRecord(key, doc, [16]byte{}, 1, plain)
	}
}
