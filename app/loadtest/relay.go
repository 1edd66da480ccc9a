package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// relayProc is one real relay process on loopback, started fresh for each
// workload so that its memory figures belong to that workload alone.
type relayProc struct {
	dir         string
	addr        string
	metricsAddr string // where the relay serves /metrics
	url         string
	token       string
	cmd         *exec.Cmd
	log         string // the relay's stderr, shown when something goes wrong
	done        chan struct{}
}

// buildRelay compiles the relay without cgo, as it ships, into dir.
func buildRelay(ctx context.Context, dir string) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(gomod))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", errors.New("cannot find the pairwise module to build the relay: run from the repository, or pass -relay PATH")
	}
	root := filepath.Dir(mod)
	bin := filepath.Join(dir, "pairwise-relay")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "pairwise/syncserver")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the relay: %v\n%s", err, out)
	}
	return bin, nil
}

// startRelay starts bin on a free loopback port, with its log in dir and
// its data there too or, when store is set, in that PostgreSQL database;
// clients connect with token. cpu >= 0 pins the relay to that CPU with
// taskset, as the anchors' harness pins its servers.
func startRelay(ctx context.Context, bin, dir, store, token string, cpu int) (*relayProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	maddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	r := &relayProc{dir: dir, addr: addr, metricsAddr: maddr, url: "ws://" + addr, token: token,
		log: filepath.Join(dir, "relay.log"), done: make(chan struct{})}
	// Every load client connects from loopback, so the per-address cap is
	// raised to the relay-wide one; metrics have their own address.
	args := append([]string{bin, "serve", "--listen", addr}, placeArgs(dir, store)...)
	args = append(args, "--log-level", "warn",
		"--max-conns-per-addr", "1000000", "--max-conns", "1000000", "--metrics-listen", maddr)
	if cpu >= 0 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{ts, "-c", strconv.Itoa(cpu)}, args...) // taskset execs the relay: same PID
		}
	}
	logf, err := os.Create(r.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	r.cmd = exec.Command(args[0], args[1:]...)
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the relay: %w", err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	if err := r.waitHealthy(ctx, 15*time.Second); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// placeArgs are the relay's flags for where its data lives: the folder
// dir, or the PostgreSQL database store when set.
func placeArgs(dir, store string) []string {
	if store != "" {
		return []string{"--store", store}
	}
	return []string{"--data", dir}
}

// issueToken issues an organisation token called name on the relay's data
// (dir, or the database store).
func issueToken(ctx context.Context, bin, dir, store, name string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"token", "new", "--name", name}, placeArgs(dir, store)...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("issue a relay token: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (r *relayProc) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			return fmt.Errorf("the relay exited at start:\n%s", r.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		resp, err := http.Get("http://" + r.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("the relay did not become healthy within %s:\n%s", limit, r.logTail())
}

// logTail is the end of the relay's log.
func (r *relayProc) logTail() string {
	b, _ := os.ReadFile(r.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (r *relayProc) pid() int { return r.cmd.Process.Pid }

// mem reads the relay's resident set and its peak.
func (r *relayProc) mem() (memStat, error) { return readMem(r.pid()) }

// cpu is the relay's user+system CPU time so far.
func (r *relayProc) cpu() (time.Duration, error) { return readCPU(r.pid()) }

// scrape reads the relay's Prometheus endpoint, a line each.
func (r *relayProc) scrape() ([]string, error) {
	resp, err := http.Get("http://" + r.metricsAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// metrics reads the named series of the relay's Prometheus endpoint (plain
// counters, gauges and histogram _sum/_count series, without labels).
func (r *relayProc) metrics(names ...string) (map[string]float64, error) {
	lines, err := r.scrape()
	if err != nil {
		return nil, err
	}
	return series(lines, names...)
}

// series picks the named series out of a scrape's lines.
func series(lines []string, names ...string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, line := range lines {
		name, v, ok := strings.Cut(line, " ")
		if !ok || !slices.Contains(names, name) {
			continue
		}
		var err error
		if out[name], err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return nil, fmt.Errorf("metric %s: %w", name, err)
		}
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("the relay's metrics lack %s", n)
		}
	}
	return out, nil
}

// stop asks the relay to shut down gracefully and kills it if it does not.
func (r *relayProc) stop() {
	if r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// commitStats is the relay's group-commit record over a phase, with what
// its Go runtime allocated and collected meanwhile.
type commitStats struct {
	commits, records, seconds, allocBytes, allocObjects, collections float64
	delivery                                                         deliveryHist
}

// commits reads the relay's group-commit and allocation counters.
func (r *relayProc) commits() commitStats {
	lines, err := r.scrape()
	if err != nil {
		return commitStats{}
	}
	m, err := series(lines, "pairwise_relay_commit_seconds_count", "pairwise_relay_commit_seconds_sum", "pairwise_relay_commit_records_sum",
		"go_memstats_alloc_bytes_total", "go_memstats_mallocs_total", "go_gc_duration_seconds_count")
	if err != nil {
		return commitStats{}
	}
	return commitStats{m["pairwise_relay_commit_seconds_count"], m["pairwise_relay_commit_records_sum"], m["pairwise_relay_commit_seconds_sum"],
		m["go_memstats_alloc_bytes_total"], m["go_memstats_mallocs_total"], m["go_gc_duration_seconds_count"], deliveryOf(lines)}
}

// since describes the commits made after c0, and the relay's allocations
// per record stored meanwhile (a count, where its CPU time is a clock).
func (c commitStats) since(c0 commitStats) string {
	n := c.commits - c0.commits
	if n <= 0 {
		return "no commits"
	}
	recs := c.records - c0.records
	out := fmt.Sprintf("%.0f commits, %.1f records each, %.2f ms each (mean)", n, recs/n, 1000*(c.seconds-c0.seconds)/n)
	if recs > 0 {
		out += fmt.Sprintf("; per record %.1f KB and %.0f objects allocated, %.0f collections in all",
			(c.allocBytes-c0.allocBytes)/recs/1000, (c.allocObjects-c0.allocObjects)/recs, c.collections-c0.collections)
	}
	return out
}

// deliveryHist is the relay's histogram of a record's time from arriving
// to being written to a subscriber (pairwise_relay_delivery_seconds): the
// relay's own share of each delivery, which the load tool's latencies
// include with its own delays and the machine's.
type deliveryHist struct {
	bounds []float64 // upper bounds in seconds, ascending; the last is +Inf
	counts []float64 // cumulative, as Prometheus gives them
}

const deliveryMetric = "pairwise_relay_delivery_seconds_bucket"

// deliveryOf picks the relay's delivery histogram out of a scrape's lines
// (empty if it is not there or does not parse).
func deliveryOf(lines []string) deliveryHist {
	var h deliveryHist
	for _, line := range lines {
		line, ok := strings.CutPrefix(line, deliveryMetric+`{le="`)
		if !ok {
			continue
		}
		le, rest, ok := strings.Cut(line, `"} `)
		if !ok {
			continue
		}
		b, err1 := strconv.ParseFloat(le, 64)
		n, err2 := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err1 != nil || err2 != nil {
			return deliveryHist{}
		}
		h.bounds, h.counts = append(h.bounds, b), append(h.counts, n)
	}
	return h
}

// plus adds two instances' histograms (of the same buckets); a sum with
// one not read is not read either (see fleet.commits).
func (h deliveryHist) plus(o deliveryHist) deliveryHist {
	if len(o.counts) != len(h.counts) {
		return deliveryHist{}
	}
	s := deliveryHist{bounds: h.bounds, counts: make([]float64, len(h.counts))}
	for i := range h.counts {
		s.counts[i] = h.counts[i] + o.counts[i]
	}
	return s
}

// since is the histogram of the deliveries made after h0, empty when
// either was not read.
func (h deliveryHist) since(h0 deliveryHist) deliveryHist {
	if len(h0.counts) != len(h.counts) || len(h.counts) == 0 {
		return deliveryHist{}
	}
	d := deliveryHist{bounds: h.bounds, counts: make([]float64, len(h.counts))}
	for i := range h.counts {
		d.counts[i] = h.counts[i] - h0.counts[i]
	}
	return d
}

// quantile returns the bucket holding quantile q: its lower and upper
// bounds in seconds (the upper is +Inf past the last bound); ok is false
// for an empty histogram.
func (h deliveryHist) quantile(q float64) (lo, hi float64, ok bool) {
	if len(h.counts) == 0 || h.counts[len(h.counts)-1] <= 0 {
		return 0, 0, false
	}
	want := q * h.counts[len(h.counts)-1]
	for i, c := range h.counts {
		if c >= want {
			if i > 0 {
				lo = h.bounds[i-1]
			}
			return lo, h.bounds[i], true
		}
	}
	return h.bounds[len(h.bounds)-1], math.Inf(1), true
}

// String gives the deliveries' p50 and p99 as the buckets that hold them.
func (h deliveryHist) String() string {
	if len(h.counts) == 0 {
		return "not read from the relay"
	}
	n := h.counts[len(h.counts)-1]
	if n <= 0 {
		return "no deliveries"
	}
	ms := func(q float64) string {
		lo, hi, _ := h.quantile(q)
		return fmt.Sprintf("%.2f-%.2f ms", 1000*lo, 1000*hi)
	}
	return fmt.Sprintf("p50 %s, p99 %s (%.0f deliveries)", ms(0.5), ms(0.99), n)
}
