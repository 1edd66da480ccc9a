package main

import (
	"fmt"
	"runtime/metrics"
)

// heapUse is what this process's Go heap did: the clients' allocations,
// which set how often its collector runs, and the cgo results of Automerge
// freed by finalizers, which run one after another after each collection.
type heapUse struct {
	bytes, objects, cycles, finalizers uint64
}

var heapMetrics = []string{
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
	"/gc/cycles/total:gc-cycles",
	"/gc/finalizers/queued:finalizers",
}

func readHeapUse() heapUse {
	s := make([]metrics.Sample, len(heapMetrics))
	for i, n := range heapMetrics {
		s[i].Name = n
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	return heapUse{bytes: v(0), objects: v(1), cycles: v(2), finalizers: v(3)}
}

func (h heapUse) minus(o heapUse) heapUse {
	return heapUse{bytes: h.bytes - o.bytes, objects: h.objects - o.objects, cycles: h.cycles - o.cycles, finalizers: h.finalizers - o.finalizers}
}

// perEdit is the use spread over n edits, for the report.
func (h heapUse) perEdit(n int) string {
	if n <= 0 {
		return "no edits"
	}
	f := float64(n)
	return fmt.Sprintf("%.1f KB and %.0f objects allocated, %.1f finalizers queued (Automerge results); %d collections over %d edits",
		float64(h.bytes)/f/1000, float64(h.objects)/f, float64(h.finalizers)/f, h.cycles, n)
}
