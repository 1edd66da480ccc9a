package main

import (
	"runtime"
	"testing"
)

// On one CPU the app still runs two goroutines at once, so a disk sync
// does not hold up everything else; on more it keeps Go's choice.
func TestAtLeastTwoProcs(t *testing.T) {
	was := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(was)
	atLeastTwoProcs()
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Fatalf("GOMAXPROCS on one CPU: got %d, want 2", n)
	}
	runtime.GOMAXPROCS(3)
	atLeastTwoProcs()
	if n := runtime.GOMAXPROCS(0); n != 3 {
		t.Fatalf("GOMAXPROCS 3 was changed to %d", n)
	}
}
