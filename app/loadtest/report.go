package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
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
	results []*result // what -json prints
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

// onSchedule is how far behind its schedule a writer may fall and still be
// said to keep it: the anchors' own writers fall about 10 ms behind.
const onSchedule = 10 * time.Millisecond

// schedule says plainly whether the writers of wl kept their schedule. When
// they did not, the load tool could not make the edits when due (it was
// short of CPU or stuck behind its own stores), so the latencies measure
// the tool as much as the relay.
func (r *report) schedule(wl, who string, behind time.Duration) {
	if behind <= onSchedule {
		r.info(wl, who+" kept schedule", fmt.Sprintf("yes (at most %s behind)", ms(behind)))
		return
	}
	r.info(wl, who+" kept schedule", fmt.Sprintf("NO: up to %s behind; these latencies measure the load tool, not only the relay", ms(behind)))
	r.note("%s: the %s fell up to %s behind schedule, so its latencies measure the load tool as much as the relay", wl, who, ms(behind))
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

// result is one workload's machine-readable figures, printed by -json.
type result struct {
	workload string // the -workload name: w1, w1raw, w2, w2raw, w3, idle
	keys     []string
	vals     map[string]float64
	strs     map[string]string // the few keys whose value is a word
}

// The keys -json prints. Times are milliseconds, memory MiB (as the anchors'
// VmRSS_MiB), memory per connection KiB, bytes bytes.
const (
	keyP50          = "p50_ms"
	keyP95          = "p95_ms"
	keyP99          = "p99_ms"
	keyMax          = "max_ms"
	keyCatchup      = "catchup_ms"
	keyBytes        = "bytes_received"
	keyIdleRSS      = "relay_idle_rss_mb"
	keyPeakRSS      = "relay_peak_rss_mb"
	keyPerConn      = "rss_per_conn_kb"
	keyDurableP99   = "edit_durable_p99_ms"
	keyBehind       = "writer_behind_ms"
	keyTail         = "tail_ms"
	keyRelayCPUPct  = "relay_cpu_pct"
	keyClientCPUPct = "client_cpu_pct"
	keyStealPct     = "steal_pct"                 // CPU time the hypervisor gave other guests, measured phase
	keyRelayShare   = "relay_delivery_p99_ms"     // the relay's own share of p99 (its histogram's bucket, upper bound)
	keyRelays       = "relays"                    // relay instances the workload ran against
	keyStore        = "store"                     // "badger" or "postgres"
	keyDBSize       = "db_size_mb"                // the PostgreSQL database after the workload
	keyDBGrowth     = "db_growth_mb"              // what the workload added to it
	keyEditsApplied = "edits_applied"             // edits every reader applied, checked in its copy
	keyAllocPerEdit = "tool_alloc_bytes_per_edit" // W1: the writer's and reader's engines' Go allocations per edit
)

// set records a machine-readable figure of workload wl (its -workload
// name). Setting a key again replaces its value.
func (r *report) set(wl, key string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.result(wl, key)
	delete(res.strs, key)
	res.vals[key] = v
}

// setWord records a figure of workload wl whose value is a word.
func (r *report) setWord(wl, key, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.result(wl, key)
	delete(res.vals, key)
	res.strs[key] = v
}

// result returns wl's results with key in its place. r.mu is held.
func (r *report) result(wl, key string) *result {
	var res *result
	for _, x := range r.results {
		if x.workload == wl {
			res = x
		}
	}
	if res == nil {
		res = &result{workload: wl, vals: map[string]float64{}, strs: map[string]string{}}
		r.results = append(r.results, res)
	}
	if !slices.Contains(res.keys, key) {
		res.keys = append(res.keys, key)
	}
	return res
}

// setMs records a duration in milliseconds.
func (r *report) setMs(wl, key string, d time.Duration) {
	r.set(wl, key, float64(d)/float64(time.Millisecond))
}

// setLatency records a latency summary's percentiles.
func (r *report) setLatency(wl string, l latency) {
	r.setMs(wl, keyP50, l.P50)
	r.setMs(wl, keyP95, l.P95)
	r.setMs(wl, keyP99, l.P99)
	r.setMs(wl, keyMax, l.Max)
}

// setMiB records a size in MiB.
func (r *report) setMiB(wl, key string, b int64) { r.set(wl, key, float64(b)/(1<<20)) }

// printJSON writes one JSON object per workload run, one per line, in the
// order they ran, each starting with "workload".
func (r *report) printJSON(w io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, res := range r.results {
		var b strings.Builder
		name, _ := json.Marshal(res.workload)
		b.WriteString(`{"workload":`)
		b.Write(name)
		for _, k := range res.keys {
			if w, ok := res.strs[k]; ok {
				word, _ := json.Marshal(w)
				fmt.Fprintf(&b, `,%q:%s`, k, word)
				continue
			}
			v := res.vals[k]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue // JSON has no such numbers; leave the key out
			}
			fmt.Fprintf(&b, `,%q:%s`, k, strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64))
		}
		b.WriteString("}\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// relayShare adds the relay's own share of the deliveries of workload wl
// (its -workload name key), from the relay's histogram over the phase.
func (r *report) relayShare(wl, key string, d deliveryHist) {
	r.info(wl, "relay's own share: arrival → written to subscriber", d.String())
	if _, hi, ok := d.quantile(0.99); ok && !math.IsInf(hi, 1) {
		r.set(key, keyRelayShare, 1000*hi)
	}
}
