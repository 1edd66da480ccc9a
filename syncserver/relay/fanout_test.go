package relay

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pairwise/shared/wire"
)

// A regression guard for the relay's fan-out that needs no clock: it counts
// the relay's heap allocations per record as the number of subscribers
// grows. A record pushed to a document is encoded into one frame that every
// subscriber's queue shares; each subscriber then costs only a few small
// objects (its queue slot, the start of its flush, the write's deadline),
// whatever the record's size. Encoding the record once per subscriber, or
// copying the frame per subscriber, adds the record's size per subscriber
// and fails the test; so does any new per-subscriber work that allocates
// more than a handful of objects.
//
// The subscribers run in a child process (this test binary, see
// TestFanOutSubscriberProcess), so the allocations counted in this process
// are the relay's and the one writer's, and the writer's do not depend on
// the number of subscribers.
func TestFanOutAllocationsPerSubscriberAreFewAndSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process with many connections")
	}
	const (
		few, many = 2, 34
		records   = 30
		body      = 32 << 10
		// Per extra subscriber and record, at most this many objects and
		// bytes. Today's cost is 13 objects (10 of them the write's
		// deadline: the relay's context.WithTimeout and coder/websocket's
		// context.AfterFunc) and under 1 KiB; the bounds leave room for one
		// more small frame per commit, such as a notice of what is durable.
		// A copy or an encoding of the record per subscriber is over 32 KiB.
		maxObjects = 32
		maxBytes   = 4 << 10
	)
	r := startRelay(t, DefaultLimits())
	fewObjs, fewBytes := fanOutCost(t, r, few, records, body)
	manyObjs, manyBytes := fanOutCost(t, r, many, records, body)
	perObjs := float64(manyObjs-fewObjs) / float64(records*(many-few))
	perBytes := float64(int64(manyBytes)-int64(fewBytes)) / float64(records*(many-few))
	t.Logf("per record: %d subscribers %d objects %d bytes; %d subscribers %d objects %d bytes; each extra subscriber %.1f objects %.0f bytes",
		few, fewObjs/records, fewBytes/records, many, manyObjs/records, manyBytes/records, perObjs, perBytes)
	if perObjs > maxObjects {
		t.Errorf("each subscriber costs %.1f allocations per record, want at most %d: fan-out now allocates per subscriber", perObjs, maxObjects)
	}
	if perBytes > maxBytes {
		t.Errorf("each subscriber costs %.0f bytes allocated per record of %d bytes, want at most %d: the record is encoded or copied per subscriber, not once for all", perBytes, body, maxBytes)
	}
}

// fanOutCost subscribes n connections of a child process to a new
// document, pushes records one at a time, each read by every subscriber
// before the next, and returns the allocations this process made (objects
// and bytes) for all of them, after a few pushes to warm up.
func fanOutCost(t *testing.T, r *testRelay, n, records, body int) (objects, bytes uint64) {
	t.Helper()
	w := dial(t, r.url)
	w.hello(r.token)
	d := newDoc()
	w.create(d)
	w.subscribe(d.id, d.write[:], 0)

	cmd := exec.Command(os.Args[0], "-test.run=^TestFanOutSubscriberProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "FANOUT_URL="+r.url, "FANOUT_DOC="+hex.EncodeToString(d.id[:]),
		"FANOUT_CAP="+hex.EncodeToString(d.read[:]), "FANOUT_SUBSCRIBERS="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	out := bufio.NewScanner(outPipe)
	await := func(want string) {
		t.Helper()
		for out.Scan() {
			if out.Text() == want {
				return
			}
		}
		t.Fatalf("the subscriber process ended before saying %q: %v", want, out.Err())
	}
	await("ready")

	payload := strings.Repeat("x", body)
	dseq := uint64(0)
	push := func() {
		t.Helper()
		dseq++
		w.expectAck(w.push(d.id, dseq, payload))
		fmt.Fprintf(in, "wait %d\n", int(dseq)*n)
		await("got " + strconv.Itoa(int(dseq)*n))
	}
	for range 5 {
		push()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range records {
		push()
	}
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs, after.TotalAlloc - before.TotalAlloc
}

// TestFanOutSubscriberProcess is the child process of
// TestFanOutAllocationsPerSubscriberAreFewAndSmall, and does nothing
// otherwise. It subscribes FANOUT_SUBSCRIBERS connections to a document,
// says "ready", and then, for each line "wait N" on its input, says
// "got N" once its connections have received N live record frames between
// them. Frames are read into one reused buffer per connection and never
// decoded, so reading costs no allocation per record.
func TestFanOutSubscriberProcess(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FANOUT_SUBSCRIBERS"))
	if n == 0 {
		t.Skip("only runs as the child of TestFanOutAllocationsPerSubscriberAreFewAndSmall")
	}
	var doc wire.DocID
	id, _ := hex.DecodeString(os.Getenv("FANOUT_DOC"))
	copy(doc[:], id)
	cp, _ := hex.DecodeString(os.Getenv("FANOUT_CAP"))
	var got atomic.Int64
	for range n {
		c := dial(t, os.Getenv("FANOUT_URL"))
		c.hello("")
		c.subscribe(doc, cp, 0)
		go func() {
			buf := make([]byte, wire.MaxFrame)
			for {
				_, rd, err := c.ws.Reader(context.Background())
				if err != nil {
					return
				}
				k, err := io.ReadFull(rd, buf)
				if err != io.ErrUnexpectedEOF && err != io.EOF {
					return // a frame larger than any the relay sends
				}
				// A frame is a CBOR array of the type and the body.
				if k > 1 && wire.Type(buf[1]) == wire.TypeRecords {
					got.Add(1)
				}
			}
		}()
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		want, err := strconv.ParseInt(strings.TrimPrefix(in.Text(), "wait "), 10, 64)
		if err != nil {
			t.Fatalf("bad request %q", in.Text())
		}
		deadline := time.Now().Add(30 * time.Second)
		for got.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("only %d record frames after 30 s, want %d", got.Load(), want)
			}
			time.Sleep(200 * time.Microsecond)
		}
		fmt.Printf("got %d\n", want)
	}
}
