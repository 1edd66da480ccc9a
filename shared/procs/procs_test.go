package procs

import (
	"runtime"
	"testing"
)

func TestOneProcBecomesTwo(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if got := AtLeastTwo(); got != 2 || runtime.GOMAXPROCS(0) != 2 {
		t.Fatalf("with one P: got %d, want 2", got)
	}
	runtime.GOMAXPROCS(3)
	if got := AtLeastTwo(); got != 3 {
		t.Fatalf("with three Ps: got %d, want them kept", got)
	}
}

func TestAnOperatorsGOMAXPROCSIsKept(t *testing.T) {
	t.Setenv("GOMAXPROCS", "1")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if got := AtLeastTwo(); got != 1 {
		t.Fatalf("with GOMAXPROCS=1 in the environment: got %d Ps, want 1", got)
	}
}
