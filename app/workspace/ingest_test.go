package workspace

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// amChunk frames data as an Automerge chunk of type typ, with the checksum
// a real one would carry.
func amChunk(typ byte, data []byte) []byte {
	hdr := binary.AppendUvarint([]byte{typ}, uint64(len(data)))
	sum := sha256.Sum256(append(hdr, data...))
	out := append([]byte{0x85, 0x6f, 0x4a, 0x83}, sum[:4]...)
	return append(append(out, hdr...), data...)
}

// malformedCompressed is the ~32-byte "compressed change" (chunk type 2)
// of security finding 2: its body is not even valid DEFLATE.
func malformedCompressed() []byte {
	return amChunk(2, bytes.Repeat([]byte{0xff}, 22))
}

// deflateBomb returns raw DEFLATE data that inflates to mib MiB of zeros,
// about a thousandth of that in size. It compresses 1 MiB once and repeats
// the block: after the first, each block only copies zeros from the window.
func deflateBomb(t *testing.T, mib int) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	fw.Write(zeros)
	fw.Flush()
	first := buf.Len()
	fw.Write(zeros)
	fw.Flush()
	block := append([]byte(nil), buf.Bytes()[first:]...)
	fw.Close()
	tail := append([]byte(nil), buf.Bytes()[first+len(block):]...)
	out := append([]byte(nil), buf.Bytes()[:first]...)
	for i := 1; i < mib; i++ {
		out = append(out, block...)
	}
	return append(out, tail...)
}

// bombDocument is a document chunk whose one op column is flagged as
// DEFLATE-compressed and holds a bomb.
func bombDocument(bomb []byte) []byte {
	var b []byte
	b = binary.AppendUvarint(b, 1) // one actor
	b = binary.AppendUvarint(b, 16)
	b = append(b, bytes.Repeat([]byte{0xab}, 16)...)
	b = binary.AppendUvarint(b, 0)    // no heads
	b = binary.AppendUvarint(b, 0)    // no change columns
	b = binary.AppendUvarint(b, 1)    // one op column:
	b = binary.AppendUvarint(b, 0x1a) // id 1, integers, DEFLATE bit
	b = binary.AppendUvarint(b, uint64(len(bomb)))
	return amChunk(0, append(b, bomb...))
}

// partnerChange returns a change a partner's replica of the pair makes: a
// message, built on everything the pair holds now.
func partnerChange(t *testing.T, ws *Workspace, id string) []byte {
	t.Helper()
	snap, err := ws.Snapshot(id)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := crdt.Load(snap, crdt.NewActor())
	if err != nil {
		t.Fatal(err)
	}
	p, err := mentoring.Read(doc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := mentoring.SendMessage(p, doc.Actor(), "from the partner", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(doc); err != nil {
		t.Fatal(err)
	}
	ch, err := doc.Commit(e.Msg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// pairWithHistory makes a pair with a goal and a message in dir.
func pairWithHistory(t *testing.T, dir string) (*Workspace, string) {
	t.Helper()
	ws, id := openWithPair(t, dir, "Strict")
	title := "Keep me"
	if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, ws.Now())
	}); err != nil {
		t.Fatal(err)
	}
	sendMessages(t, ws, id, 1)
	return ws, id
}

// checkContent fails unless the pair reads with its title, goal and message.
func checkContent(t *testing.T, ws *Workspace, id, when string) {
	t.Helper()
	p, err := ws.Pair(id)
	if err != nil {
		t.Fatalf("%s: the pair does not read: %v", when, err)
	}
	if p.Title != "Strict" || len(p.Goals) != 1 || p.Goals[0].Title != "Keep me" || len(p.Messages) != 1 {
		t.Fatalf("%s: got title %q, %d goals, %d messages; want \"Strict\", the goal \"Keep me\" and 1 message", when, p.Title, len(p.Goals), len(p.Messages))
	}
}

// TestMalformedCompressedChunkIsRefused: the ~32-byte malformed compressed
// change of security finding 2, sent as a remote record into a pair with
// history (alone, after a valid partner record in the same batch, or glued
// to one inside a record), is refused whole: nothing stored, the cursor
// not moved, the partner's valid record not half-applied. After a real
// restart the pair still shows all its content.
func TestMalformedCompressedChunkIsRefused(t *testing.T) {
	bad := malformedCompressed()
	if len(bad) != 32 || bad[8] != 2 {
		t.Fatalf("the crafted chunk is %d bytes of type %d, want 32 of type 2", len(bad), bad[8])
	}
	cases := []struct {
		name  string
		items func(good []byte) []Remote
	}{
		{"alone", func([]byte) []Remote { return []Remote{{Kind: store.Changes, Data: bad}} }},
		{"after a valid record", func(good []byte) []Remote {
			return []Remote{{Kind: store.Changes, Data: good}, {Kind: store.Changes, Data: bad}}
		}},
		{"inside a valid record", func(good []byte) []Remote {
			return []Remote{{Kind: store.Changes, Data: append(append([]byte(nil), good...), bad...)}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ws, id := pairWithHistory(t, dir)
			before, err := ws.st.State(id)
			if err != nil {
				t.Fatal(err)
			}
			if before.Chunks < 3 {
				t.Fatalf("the pair has %d stored chunks, want a history of at least 3", before.Chunks)
			}
			items := c.items(partnerChange(t, ws, id))
			if err := ws.ApplyRemote(id, items, uint64(len(items))); !errors.Is(err, ErrRemoteBroken) {
				t.Fatalf("ApplyRemote: got %v, want ErrRemoteBroken", err)
			}
			after, err := ws.st.State(id)
			if err != nil {
				t.Fatal(err)
			}
			if after.Chunks != before.Chunks || after.NextChunk != before.NextChunk || after.Cursor != before.Cursor {
				t.Fatalf("store after the refusal: %d chunks, next %d, cursor %d; want %d, %d, %d (nothing stored, cursor not moved)",
					after.Chunks, after.NextChunk, after.Cursor, before.Chunks, before.NextChunk, before.Cursor)
			}
			checkContent(t, ws, id, "right after the refusal")
			if err := ws.Close(); err != nil {
				t.Fatal(err)
			}
			ws, err = Open(dir, t.Logf)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			checkContent(t, ws, id, "after a restart")
			if m, _ := ws.Meta(id); m.Rebuilding {
				t.Fatal("after a restart the pair is being rebuilt: its saved copy was damaged")
			}
		})
	}
}

// peakRSS returns the process's peak resident set in bytes, or -1 where
// /proc does not say; resetPeakRSS starts a new peak from the current
// size (Linux).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return -1
}

func resetPeakRSS() bool { return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil }

// TestDeflateBombIsBounded: a record that would inflate to 512 MiB (a
// compressed change, finding 3) and a relay snapshot whose one column
// would (a document chunk) are refused without the process growing: its
// Go allocations and, where Linux reports it, its peak resident size
// (which counts what Automerge allocates in Rust) stay far below the bomb.
func TestDeflateBombIsBounded(t *testing.T) {
	const bombMiB = 512
	bomb := deflateBomb(t, bombMiB)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes, want well under 1 MiB", len(bomb))
	}
	cases := []struct {
		name string
		item Remote
	}{
		{"compressed change record", Remote{Kind: store.Changes, Data: amChunk(2, bomb)}},
		{"snapshot with a compressed column", Remote{Kind: store.Document, Data: bombDocument(bomb)}},
	}
	const bound = 64 << 20
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, id := pairWithHistory(t, t.TempDir())
			defer ws.Close()
			before, _ := ws.st.State(id)
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			rss := resetPeakRSS()
			rss0 := peakRSS()
			start := time.Now()
			err := ws.ApplyRemote(id, []Remote{c.item}, 1)
			took := time.Since(start)
			rss1 := peakRSS()
			runtime.ReadMemStats(&m1)
			t.Logf("%d-byte bomb of %d MiB: %v after %s; Go allocated %d KiB; peak RSS grew %d KiB",
				len(c.item.Data), bombMiB, err, took, (m1.TotalAlloc-m0.TotalAlloc)>>10, (rss1-rss0)>>10)
			if !errors.Is(err, ErrRemoteBroken) {
				t.Fatalf("ApplyRemote: got %v, want ErrRemoteBroken", err)
			}
			if got := m1.TotalAlloc - m0.TotalAlloc; got > bound {
				t.Errorf("Go allocated %d MiB while refusing the bomb, want at most %d", got>>20, bound>>20)
			}
			if rss && rss0 > 0 && rss1-rss0 > bound {
				t.Errorf("peak resident size grew by %d MiB while refusing the bomb, want at most %d", (rss1-rss0)>>20, bound>>20)
			}
			after, _ := ws.st.State(id)
			if after.Chunks != before.Chunks || after.Cursor != before.Cursor {
				t.Errorf("store after the refusal: %d chunks, cursor %d; want %d, %d", after.Chunks, after.Cursor, before.Chunks, before.Cursor)
			}
			checkContent(t, ws, id, "after the refusal")
		})
	}
}
