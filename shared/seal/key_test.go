package seal

import "testing"

func TestRandomValuesDiffer(t *testing.T) {
	tests := []struct {
		name string
		gen  func() []byte
		size int
	}{
		{"NewKey", func() []byte { k := NewKey(); return k[:] }, 32},
		{"NewSecret", func() []byte { s := NewSecret(); return s[:] }, 32},
		{"NewDocID", func() []byte { id := NewDocID(); return id[:] }, 16},
		{"NewDeviceID", func() []byte { id := NewDeviceID(); return id[:] }, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 100 {
				b := tt.gen()
				if len(b) != tt.size {
					t.Fatalf("got %d bytes, want %d", len(b), tt.size)
				}
				if seen[string(b)] {
					t.Fatalf("got %x twice in 100 draws, want distinct values", b)
				}
				seen[string(b)] = true
			}
		})
	}
}
