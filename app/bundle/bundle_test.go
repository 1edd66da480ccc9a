package bundle

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"pairwise/shared/seal"
)

func sample(t testing.TB) (seal.Key, seal.DeviceKey, Contents, []byte) {
	t.Helper()
	var key seal.Key
	copy(key[:], bytes.Repeat([]byte{7}, 32))
	dev := seal.DeviceKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	c := Contents{
		Pair:    [16]byte{1, 2, 3},
		Heads:   []string{"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},
		Changes: [][]byte{[]byte("first change"), []byte("second")},
		From:    time.Unix(1_764_000_000, 0),
		To:      time.Unix(1_764_600_000, 0),
	}
	raw, err := Write(key, dev, c)
	if err != nil {
		t.Fatal(err)
	}
	return key, dev, c, raw
}

// A file reads back as written, and only with the pair's key.
func TestRoundTrip(t *testing.T) {
	key, dev, c, raw := sample(t)
	f, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Verify(); err != nil {
		t.Fatal(err)
	}
	if f.Pair != c.Pair || f.Exporter != dev.Pub() || f.Count != 2 || !f.From.Equal(c.From) || !f.To.Equal(c.To) {
		t.Errorf("got header %+v, want %+v", f, c)
	}
	if len(f.Heads) != 1 || f.Heads[0] != c.Heads[0] {
		t.Errorf("got heads %v, want %v", f.Heads, c.Heads)
	}
	got, err := f.Open(key)
	if err != nil || len(got) != 2 || string(got[0]) != "first change" || string(got[1]) != "second" {
		t.Fatalf("got %q (%v), want the two changes", got, err)
	}
	if bytes.Contains(raw, []byte("first change")) {
		t.Error("the file holds a change in clear")
	}
	var other seal.Key
	if _, err := f.Open(other); !errors.Is(err, ErrDamaged) {
		t.Errorf("another key: got %v, want ErrDamaged", err)
	}
}

// Every altered byte and every cut is refused.
func TestEveryAlterationIsRefused(t *testing.T) {
	key, _, _, raw := sample(t)
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 1
		if f, err := Parse(bad); err == nil {
			if err = f.Verify(); err == nil {
				_, err = f.Open(key)
			}
			if err == nil {
				t.Fatalf("byte %d altered: accepted", i)
			}
		}
	}
	for n := range len(raw) {
		if f, err := Parse(raw[:n]); err == nil && f.Verify() == nil {
			t.Fatalf("cut to %d bytes: accepted", n)
		}
	}
}

func FuzzParse(f *testing.F) {
	key, _, _, raw := sample(f)
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte(magic))
	f.Add(append([]byte(magic), 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNewer) {
				t.Fatalf("an error of no known kind: %v", err)
			}
			return
		}
		_ = file.Verify()
		changes, err := file.Open(key)
		if err == nil && len(changes) != file.Count {
			t.Fatalf("opened %d changes of %d", len(changes), file.Count)
		}
	})
}
