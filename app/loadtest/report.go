package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// figure is one line of the final table.
type figure struct {
	workload, name string
	value          string
	target         string // "" = the handbook sets none
	anchor         string // the best anchor's median, from RESULTS.md
	verdict        string // "met", "MISSED" or ""
	raw            float64
}

// report collects the figures of every workload. It is safe for
// concurrent use.
type report struct {
	mu      sync.Mutex
	figures []figure
	notes   []string
}

// duration adds a duration, checked against target when target > 0.
func (r *report) duration(wl, name string, got, target time.Duration, anchor string) {
	f := figure{workload: wl, name: name, value: ms(got), anchor: anchor, raw: float64(got)}
	if target > 0 {
		f.target = "<= " + ms(target)
		f.verdict = verdict(got <= target)
	}
	r.add(f)
}

// bytes adds a size in the unit the handbook states it in, checked against
// target (in that unit) when target > 0.
func (r *report) bytes(wl, name string, got int64, unit string, target float64, anchor string) {
	div := map[string]float64{"B": 1, "KB": 1000, "KiB": 1 << 10, "MiB": 1 << 20}[unit]
	v := float64(got) / div
	f := figure{workload: wl, name: name, value: fmt.Sprintf("%.1f %s", v, unit), anchor: anchor, raw: float64(got)}
	if unit == "B" {
		f.value = fmt.Sprintf("%d B", got)
	}
	if target > 0 {
		f.target = fmt.Sprintf("<= %g %s", target, unit)
		f.verdict = verdict(v <= target)
	}
	r.add(f)
}

// info adds a figure without a target.
func (r *report) info(wl, name, value string) {
	r.add(figure{workload: wl, name: name, value: value})
}

// note adds a sentence printed under the table.
func (r *report) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) add(f figure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.figures = append(r.figures, f)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// lookup returns a figure by workload and name, for tests.
func (r *report) lookup(wl, name string) (figure, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.figures {
		if f.workload == wl && f.name == name {
			return f, true
		}
	}
	return figure{}, false
}

// print writes the table of figures and targets, then the notes.
func (r *report) print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tFIGURE\tPAIRWISE\tTARGET\tBEST ANCHOR\t")
	last := ""
	for _, f := range r.figures {
		wl := f.workload
		if wl == last {
			wl = ""
		}
		last = f.workload
		target := f.target
		if f.verdict != "" {
			target += "  " + f.verdict
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", wl, f.name, f.value, target, f.anchor)
	}
	tw.Flush()
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			fmt.Fprintln(w, "- "+strings.TrimSpace(n))
		}
	}
}
