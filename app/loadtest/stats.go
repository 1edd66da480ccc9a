package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// latency summarises edit→applied times.
type latency struct {
	N                       int
	P50, P95, P99, Max, Avg time.Duration
}

// summarise uses nearest-rank percentiles, as the anchors' harness does,
// so the figures compare one to one.
func summarise(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return latency{N: len(s), P50: pctl(s, 50), P95: pctl(s, 95), P99: pctl(s, 99), Max: s[len(s)-1], Avg: sum / time.Duration(len(s))}
}

func pctl(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(float64(len(sorted))*p/100)) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

func (l latency) String() string {
	return fmt.Sprintf("n=%d p50 %s p95 %s p99 %s max %s mean %s", l.N, ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), ms(l.Avg))
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// mib formats bytes in MiB, as the anchors report memory.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
