package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// FuzzDecodeStored feeds arbitrary bytes to the decoders of the records the
// store reads back from disk. Whatever a damaged disk holds, they return an
// error or a value whose numbers agree with each other; they never panic.
func FuzzDecodeStored(f *testing.F) {
	good, _ := json.Marshal(DocState{NextChunk: 4, NextDSeq: 3, Acked: 1, Cursor: 9, Chunks: 2, ChunkBytes: 120, RelaySnap: 5})
	f.Add(good)
	f.Add(packState(DocState{NextChunk: 4, NextDSeq: 3, Acked: 1, Cursor: 9, Chunks: 2, ChunkBytes: 120, RelaySnap: 5, Reserved: 60, Epoch: 2}))
	f.Add([]byte{stateFormat, 1, 2})
	f.Add([]byte(`{"nextDSeq":0,"acked":7}`))
	f.Add([]byte(`{"chunks":-1}`))
	f.Add([]byte("c\x85o"))
	f.Add([]byte("d"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if st, err := decodeState(b); err == nil {
			if p := st.Pending(); st.NextDSeq > 0 && p >= st.NextDSeq {
				t.Fatalf("state %+v claims %d changes waiting", st, p)
			}
			if st.Chunks < 0 || uint64(st.Chunks) > st.NextChunk {
				t.Fatalf("state %+v has an impossible chunk count", st)
			}
		}
		if c, err := decodeChunk(b); err == nil {
			if len(c.Data) != len(b)-1 || (c.Kind != Changes && c.Kind != Document) {
				t.Fatalf("chunk %q decoded as %+v", b, c)
			}
		}
	})
}

// TestDamagedRecordsAreReportedNotBelieved: a state record whose numbers
// disagree (as a torn or bit-flipped write would leave it) is reported as
// damage naming the pair, instead of showing millions of waiting changes.
func TestDamagedRecordsAreReportedNotBelieved(t *testing.T) {
	for name, raw := range map[string][]byte{
		"not json":              []byte("\x00\x01garbage"),
		"acked beyond sent":     []byte(`{"nextDSeq":3,"acked":9}`),
		"acked with none":       []byte(`{"nextDSeq":0,"acked":1}`),
		"negative chunks":       []byte(`{"nextChunk":2,"chunks":-4}`),
		"more chunks than ever": []byte(`{"nextChunk":2,"chunks":40}`),
		"binary, acked beyond":  packState(DocState{NextDSeq: 3, Acked: 9}),
		"binary, cut short":     packState(DocState{NextDSeq: 3, Acked: 1})[:5],
		"binary, trailing":      append(packState(DocState{NextDSeq: 3, Acked: 1}), 0),
		"binary, huge chunks":   {stateFormat, 9, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			s := openWithDoc(t, t.TempDir())
			defer s.Close()
			if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(keyState("d1"), raw) }); err != nil {
				t.Fatal(err)
			}
			_, err := s.State("d1")
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "d1") {
				t.Fatalf("State = %v, want ErrCorrupt naming the pair", err)
			}
			if _, _, err := s.Load("d1"); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load = %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestChunkWithoutKindIsReported: a chunk whose kind byte is gone makes Load
// fail with damage naming the chunk, not hand garbage to Automerge.
func TestChunkWithoutKindIsReported(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(keyChunk("d1", 0), []byte("xjunk")) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load("d1"); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "chunk 0") {
		t.Fatalf("Load = %v, want ErrCorrupt naming chunk 0", err)
	}
}

// TestStateRecordsRoundTripAndOldOnesStillRead: every field survives the
// binary record, and a state written as JSON by an older store still
// reads the same.
func TestStateRecordsRoundTripAndOldOnesStillRead(t *testing.T) {
	want := DocState{NextChunk: 400, NextDSeq: 300, Acked: 290, Cursor: 1 << 40, Chunks: 12, ChunkBytes: 1 << 33,
		RelaySnap: 77, Reborn: 5, Reserved: 330, UnsureFrom: 280, UnsureTo: 299, Epoch: 3}
	got, err := decodeState(packState(want))
	if err != nil || got != want {
		t.Fatalf("binary: got %+v, %v; want %+v", got, err, want)
	}
	old, _ := json.Marshal(want)
	if got, err := decodeState(old); err != nil || got != want {
		t.Fatalf("JSON: got %+v, %v; want %+v", got, err, want)
	}
}
