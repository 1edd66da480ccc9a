package wsserve

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
)

// deep uses about 7 KiB of stack, as decoding and handling a message does.
//
//go:noinline
func deep(n int) byte {
	var frame [448]byte
	frame[n%len(frame)] = byte(n)
	if n == 0 {
		return frame[0]
	}
	return frame[n%len(frame)] + deep(n-1)
}

func stackBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// parkedStacks starts n goroutines that each do deep work and then wait,
// run through run (keepStack, or a plain call), and returns the stack
// bytes they hold before and after two collections.
func parkedStacks(n int, run func(func())) (before, after uint64) {
	var worked, done sync.WaitGroup
	release := make(chan struct{})
	worked.Add(n)
	done.Add(n)
	runtime.GC()
	base := stackBytes()
	for range n {
		go func() {
			defer done.Done()
			run(func() {
				deep(16)
				worked.Done()
				<-release
			})
		}()
	}
	worked.Wait()
	before = stackBytes() - base
	runtime.GC()
	runtime.GC()
	after = stackBytes() - base
	close(release)
	done.Wait()
	return before, after
}

// A reader that waits inside keepStack keeps the stack its last message
// grew, through collections, so the next message does not grow it again
// by copying; a goroutine waiting without it is shrunk.
func TestAWaitingReaderKeepsItsStack(t *testing.T) {
	const n = 1000
	plainBefore, plainAfter := parkedStacks(n, func(fn func()) { fn() })
	keptBefore, keptAfter := parkedStacks(n, keepStack)
	t.Logf("stack per goroutine: plain %d → %d bytes, kept %d → %d bytes",
		plainBefore/n, plainAfter/n, keptBefore/n, keptAfter/n)
	if plainAfter > plainBefore*3/4 {
		t.Fatalf("goroutines waiting without keepStack held %d bytes of stack, then %d after two collections: the scenario needs Go to shrink them", plainBefore, plainAfter)
	}
	if keptAfter < keptBefore*9/10 {
		t.Fatalf("goroutines waiting in keepStack held %d bytes of stack, then %d after two collections: shrunk", keptBefore, keptAfter)
	}
}
