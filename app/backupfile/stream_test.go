package backupfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

// cheap keeps the tests quick; real backups use DefaultParams.
var cheap = Params{Time: 1, MemoryKiB: minMemory, Threads: 1}

func seal(t testing.TB, content, pass []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, pass, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(file, pass []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(file), pass)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 17} {
		content := make([]byte, size)
		rand.Read(content)
		got, err := open(seal(t, content, []byte("correct horse")), []byte("correct horse"))
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if !bytes.Equal(got, content) {
			t.Fatalf("%d bytes: got %d bytes back, not the same", size, len(got))
		}
	}
}

func TestRefusals(t *testing.T) {
	content := make([]byte, 2*ChunkSize+100)
	rand.Read(content)
	file := seal(t, content, []byte("pass"))
	flip := func(i int) []byte {
		b := bytes.Clone(file)
		b[i] ^= 0x01
		return b
	}
	newer := bytes.Clone(file)
	newer[9] = Version + 1
	heavy := bytes.Clone(file)
	heavy[14], heavy[15] = 0x7f, 0xff // memory far past the bound
	cases := []struct {
		name string
		file []byte
		pass string
		want error
	}{
		{"wrong passphrase", file, "Pass", ErrWrongPassphrase},
		{"not a backup", []byte("hello, this is a text file, not a backup"), "pass", ErrNotBackup},
		{"header cut", file[:20], "pass", ErrTruncated},
		{"cut after the header", file[:headerLen+tagLen], "pass", ErrTruncated},
		{"cut inside a chunk", file[:len(file)-10], "pass", ErrTruncated},
		{"cut at a chunk boundary", file[:headerLen+tagLen+5+ChunkSize+tagLen], "pass", ErrTruncated},
		{"flipped header byte", flip(30), "pass", ErrWrongPassphrase},
		{"flipped content byte", flip(headerLen + tagLen + 100), "pass", ErrDamaged},
		{"flipped last byte", flip(len(file) - 1), "pass", ErrDamaged},
		{"bytes appended", append(bytes.Clone(file), 0), "pass", ErrDamaged},
		{"newer format", newer, "pass", ErrNewer},
		{"hostile memory setting", heavy, "pass", ErrParams},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := open(c.file, []byte(c.pass))
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// A chunk moved to another place, or a final chunk made to look like one
// in the middle, does not authenticate.
func TestReorderedChunksRefused(t *testing.T) {
	content := make([]byte, 2*ChunkSize+100)
	rand.Read(content)
	file := seal(t, content, []byte("pass"))
	body := file[headerLen+tagLen:]
	one := 5 + ChunkSize + tagLen
	swapped := append(append(append([]byte(nil), file[:headerLen+tagLen]...), body[one:2*one]...), body[:one]...)
	swapped = append(swapped, body[2*one:]...)
	if _, err := open(swapped, []byte("pass")); !errors.Is(err, ErrDamaged) {
		t.Fatalf("swapped chunks: got %v, want ErrDamaged", err)
	}
	dropped := append(append([]byte(nil), file[:headerLen+tagLen]...), body[one:]...)
	if _, err := open(dropped, []byte("pass")); !errors.Is(err, ErrDamaged) {
		t.Fatalf("first chunk dropped: got %v, want ErrDamaged", err)
	}
}

func TestWriterRefusesWeakSettings(t *testing.T) {
	if _, err := NewWriter(io.Discard, []byte("p"), Params{Time: 1, MemoryKiB: 64, Threads: 1}); !errors.Is(err, ErrParams) {
		t.Fatalf("64 KiB: got %v, want ErrParams", err)
	}
	if _, err := NewWriter(io.Discard, nil, cheap); err == nil {
		t.Fatal("an empty passphrase was accepted")
	}
}

// FuzzReader feeds hostile files to the decoder: it must never panic,
// never return content from a file that does not authenticate, and never
// derive a key with settings outside the bounds (Check runs first).
func FuzzReader(f *testing.F) {
	good := seal(f, []byte("pairs, cohorts, notes and keys"), []byte("pass"))
	f.Add(good)
	f.Add(good[:headerLen])
	f.Add(good[:len(good)-1])
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, file []byte) {
		got, err := open(file, []byte("pass"))
		if err == nil && !bytes.Equal(got, []byte("pairs, cohorts, notes and keys")) {
			t.Fatalf("a file that is not the one sealed read without error: %q", got)
		}
	})
}
