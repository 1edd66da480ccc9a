package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseSize reads a size such as 64MB, 1.5GB, 512KB or 1048576 (bytes).
// Units are powers of 1024; "0" means no limit.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size; write it like 256MB, 4GB or 0 for no limit", s)
	}
	return int64(v * float64(mult)), nil
}

// sizeFlag is a flag.Value holding a size in bytes.
type sizeFlag struct{ n int64 }

func (f *sizeFlag) String() string { return formatSize(f.n) }

func (f *sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	f.n = n
	return err
}

// formatSize writes bytes for people: 0 B, 12 KB, 3.4 MB.
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + []string{"B", "KB", "MB", "GB", "TB"}[i]
}
