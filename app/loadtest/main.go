// Command pairwise-load measures Pairwise on the handbook's performance
// workloads (W1 pair, W2 many pairs, W3 catch-up, Idle) and prints the
// figures beside the targets.
//
// Everything is real and on loopback: each workload starts a fresh relay
// binary; every writer and reader is a full client (workspace, Badger store
// with durable writes, sync engine) with its own data folder, as on two
// people's machines. Writers and readers live in this one process, so edit
// latency is measured on one monotonic clock. Linux only (it reads /proc).
// W2's thousand clients keep their stores in memory by default (-w2-stores)
// and, when pinned, may use what the relay leaves of its CPU under
// SCHED_IDLE (-w2-spare-cpu), so that the tool can keep W2's schedule;
// every latency table says whether the writers kept it. -json adds one JSON
// line per workload after the table; compare.sh sets them beside Yjs.
//
// -store runs the relays on PostgreSQL instead of Badger, and -relays N
// runs W2 against N instances on that one database, each pair's writer on
// one and its reader on the next, so that every edit crosses instances.
//
//	go build -o pairwise-load ./app/loadtest
//	./pairwise-load                         # every workload at full scale
//	./pairwise-load -workload w1 -w1-edits 200
//	./pairwise-load -workload w2 -w2-docs 50 -pin=false
//	./pairwise-load -json -workload w1,w2,w3,idle
//	./pairwise-load -workload w2 -relays 2 -store postgres://relay@db/pairwise
//	./pairwise-load -workload w2 -relays 2 -store pgtest
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"time"

	"pairwise/shared/procs"
)

// config is everything the flags set.
type config struct {
	workloads []string
	relayBin  string
	scratch   string
	keep      bool
	pin       bool
	verbose   bool
	cpuprof   string
	memprof   string
	trace     string
	json      bool
	store     string // -store: "", "pgtest" or a PostgreSQL URL
	relays    int

	w1   w1Config
	w2   w2Config
	w3   w3Config
	idle idleConfig
}

// allWorkloads are the handbook's workloads, plus w1raw and w2raw: W1 and
// W2 through raw wire clients, which separate the relay's share of the
// latency from the client engine's.
var allWorkloads = []string{"w1", "w1raw", "w2", "w2raw", "w3", "idle"}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("pairwise-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	which := fs.String("workload", "all", "workloads to run, comma-separated: w1, w1raw, w2, w2raw, w3, idle, or all")
	fs.StringVar(&c.relayBin, "relay", "", "relay binary to run (default: build ./syncserver with CGO_ENABLED=0)")
	fs.StringVar(&c.scratch, "dir", "", "scratch folder for data folders (default: a new temporary folder)")
	fs.BoolVar(&c.keep, "keep", false, "keep the scratch folder afterwards")
	fs.BoolVar(&c.pin, "pin", runtime.NumCPU() >= 2, "pin the relay to CPU 0 and this tool to CPU 1, as the anchors' harness does")
	fs.BoolVar(&c.verbose, "v", false, "log what the clients log")
	fs.BoolVar(&c.json, "json", false, "after the table, print one JSON object per workload run, one per line, as the last lines of the output")
	fs.StringVar(&c.store, "store", "", "keep the relays' data in this PostgreSQL database (postgres://USER@HOST/DB), as `pairwise-relay serve --store` does, instead of each relay's Badger folder; "+
		"\"pgtest\" starts a throwaway PostgreSQL server for the run (needs initdb and postgres installed)")
	fs.IntVar(&c.relays, "relays", 1, "W2 only: relay instances on the -store database; each pair's writer connects to one and its reader to another, so every edit crosses instances")
	fs.StringVar(&c.cpuprof, "cpuprofile", "", "write a CPU profile of this process (writers and readers) to this file")
	fs.StringVar(&c.memprof, "memprofile", "", "write, at the end, where this process (writers and readers) allocated to this file (go tool pprof -sample_index=alloc_space)")
	fs.StringVar(&c.trace, "trace", "", "write an execution trace of this process to this file (go tool trace -pprof=sched FILE shows where goroutines waited for a CPU)")

	fs.IntVar(&c.w1.Warmup, "w1-warmup", 500, "W1: warm-up edits, not measured")
	fs.IntVar(&c.w1.Edits, "w1-edits", 2000, "W1: measured edits")
	fs.DurationVar(&c.w1.Interval, "w1-interval", 2*time.Millisecond, "W1: one edit every")

	fs.IntVar(&c.w2.Docs, "w2-docs", 500, "W2: documents (each one writer and one reader machine)")
	fs.IntVar(&c.w2.Warmup, "w2-warmup", 5, "W2: warm-up edits per document")
	fs.IntVar(&c.w2.Edits, "w2-edits", 20, "W2: measured edits per document")
	fs.DurationVar(&c.w2.Interval, "w2-interval", 200*time.Millisecond, "W2: each writer edits once every")
	fs.IntVar(&c.w2.Batch, "w2-batch", 50, "W2: pairs connected at a time")
	fs.DurationVar(&c.w2.Idle, "w2-idle", 3*time.Second, "W2: idle time before the relay's idle memory is read")
	fs.BoolVar(&c.w2.SpareCPU, "w2-spare-cpu", true, "W2: when pinned, let the clients also use the relay's CPU, under SCHED_IDLE (only what the relay leaves)")
	fs.StringVar(&c.w2.Stores, "w2-stores", "memory", "W2: the clients' stores: memory (Badger in memory), tmpfs (whole stores on /dev/shm) or disk")

	fs.IntVar(&c.w3.Pre, "w3-pre", 100, "W3: edits synced to both before the reader goes offline")
	fs.IntVar(&c.w3.Edits, "w3-edits", 5000, "W3: edits made while the reader is offline")

	fs.IntVar(&c.idle.Conns, "idle-conns", 10000, "Idle: connections that subscribe and stay idle")
	fs.DurationVar(&c.idle.Idle, "idle-wait", 3*time.Second, "Idle: how long they stay idle before memory is read")

	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, w := range strings.Split(*which, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		switch {
		case w == "all":
			c.workloads = append(c.workloads, allWorkloads...)
		case slices.Contains(allWorkloads, w):
			c.workloads = append(c.workloads, w)
		default:
			return c, fmt.Errorf("-workload: %q is not one of w1, w1raw, w2, w2raw, w3, idle, all", w)
		}
	}
	if err := checkStore(c.store); err != nil {
		return c, err
	}
	switch {
	case c.relays < 1:
		return c, fmt.Errorf("-relays: %d; run at least one relay", c.relays)
	case c.relays > 1 && c.store == "":
		return c, errors.New("-relays: several relay instances share their data only through PostgreSQL: add -store postgres://... (or -store pgtest)")
	case c.relays > 1 && !slices.Equal(c.workloads, []string{"w2"}):
		return c, errors.New("-relays: several relay instances are for W2 only: add -workload w2")
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pairwise-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep := &report{}
	for _, p := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{cfg.cpuprof, pprof.StartCPUProfile, pprof.StopCPUProfile}, {cfg.trace, trace.Start, trace.Stop}, {cfg.memprof, startAllocs, stopAllocs}} {
		if p.path == "" {
			continue
		}
		stopProf, perr := startProfile(p.path, p.start, p.stop)
		if perr != nil {
			fmt.Fprintln(os.Stderr, "pairwise-load:", perr)
			os.Exit(1)
		}
		defer stopProf()
	}
	err = run(ctx, cfg, rep, os.Stdout)
	finish(os.Stdout, cfg, rep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pairwise-load:", err)
		os.Exit(1)
	}
}

// run prepares the machine and runs the chosen workloads one after the
// other, each against its own fresh relay.
func run(ctx context.Context, cfg config, rep *report, out io.Writer) error {
	e := &env{relayCPU: -1, out: out, logf: func(string, ...any) {}}
	if cfg.verbose {
		e.logf = func(f string, a ...any) { fmt.Fprintf(out, "    "+f+"\n", a...) }
	}
	rep.note("%s", buildNote())
	if n, err := raiseFileLimit(); err != nil {
		rep.note("could not raise the open-files limit (%v); the Idle and W2 workloads may run out", err)
	} else {
		rep.note("open-files limit %d", n)
	}
	// Before pinning: a throwaway database server inherits this process's
	// CPUs and, later, its SCHED_IDLE policy; it gets every CPU at normal
	// priority, as a database machine would.
	store, stopStore, err := openStore(ctx, cfg.store, rep)
	if err != nil {
		return err
	}
	defer stopStore()
	e.store, e.relays = store, max(1, cfg.relays)
	if cfg.pin {
		if err := pinSelf(1); err != nil {
			rep.note("not pinned: %v", err)
		} else {
			e.relayCPU = 0
			// Go would follow the new affinity down to one P, and then a
			// goroutine waiting in a disk sync holds the only P while the
			// engine's goroutines wait to send. A desktop has several
			// cores; keep as many Ps as at start, all on the one CPU.
			runtime.GOMAXPROCS(max(2, runtime.NumCPU()))
			rep.note("relay pinned to CPU 0, load tool (all writers and readers) to CPU 1, as in the anchors' harness (GOMAXPROCS %d on it)", runtime.GOMAXPROCS(0))
		}
	}
	procs.AtLeastTwo() // unpinned on a one-CPU machine: as the app runs
	root, cleanup, err := scratch(cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	defer e.purgeTokens(cfg.store) // before the scratch folder, and the relay binary in it, goes
	e.root = root
	e.bin = cfg.relayBin
	if e.bin == "" {
		if e.bin, err = buildRelay(ctx, root); err != nil {
			return err
		}
	}
	for _, w := range cfg.workloads {
		start := time.Now()
		fmt.Fprintf(out, "%s:\n", strings.ToUpper(w))
		rep.note("%s: machine before: %s", w, e.machineNote())
		if err := runOne(ctx, e, cfg, w, rep); err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
		rep.set(w, keyRelays, float64(e.relays))
		rep.setWord(w, keyStore, storeKind(store))
		fmt.Fprintf(out, "  done in %.1fs\n", time.Since(start).Seconds())
		// Hand the workload's memory back (W2 alone holds a thousand
		// stores), so the next one starts from a clean process.
		debug.FreeOSMemory()
	}
	return nil
}

func runOne(ctx context.Context, e *env, cfg config, w string, rep *report) error {
	switch w {
	case "w1":
		return runW1(ctx, e, cfg.w1, rep)
	case "w1raw":
		return runW1Raw(ctx, e, cfg.w1, rep)
	case "w2":
		return runW2(ctx, e, cfg.w2, rep)
	case "w2raw":
		return runW2Raw(ctx, e, cfg.w2, rep)
	case "w3":
		return runW3(ctx, e, cfg.w3, rep)
	case "idle":
		return runIdle(ctx, e, cfg.idle, rep)
	}
	return fmt.Errorf("unknown workload %q", w)
}

// finish prints the table and its notes, then with -json one line of JSON
// per workload that ran: the last lines of the output.
func finish(w io.Writer, cfg config, rep *report) {
	fmt.Fprintln(w)
	rep.print(w)
	if cfg.json {
		fmt.Fprintln(w)
		rep.printJSON(w)
	}
}

// buildNote says which code was measured: the clients are compiled into
// this binary, so its VCS stamp names them (the relay is built alongside).
func buildNote() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "built without module information"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	if vcs["vcs.revision"] == "" {
		return "built without VCS information"
	}
	note := "clients built from commit " + vcs["vcs.revision"][:min(12, len(vcs["vcs.revision"]))]
	if vcs["vcs.modified"] == "true" {
		note += " plus uncommitted changes"
	}
	return note
}

// allocsTo is where -memprofile writes the allocation profile at the end.
var allocsTo io.Writer

func startAllocs(w io.Writer) error { allocsTo = w; return nil }

func stopAllocs() {
	runtime.GC() // the profile counts allocations up to the last collection
	if err := pprof.Lookup("allocs").WriteTo(allocsTo, 0); err != nil {
		fmt.Fprintln(os.Stderr, "pairwise-load: -memprofile:", err)
	}
}

// startProfile writes a profile or trace of this process to path, from
// start until the returned function is called.
func startProfile(path string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { stop(); f.Close() }, nil
}

// scratch returns the folder data folders go in, and how to remove it.
func scratch(cfg config) (string, func(), error) {
	dir := cfg.scratch
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "pairwise-load-"); err != nil {
			return "", nil, err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	if cfg.keep || cfg.scratch != "" {
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
