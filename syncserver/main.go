// Command pairwise-relay is the Pairwise sync relay an organisation hosts
// for its mentoring pairs. It stores and forwards sealed records only.
//
//	pairwise-relay serve --listen ADDR --data DIR
//	pairwise-relay token new --data DIR --name NAME
//	pairwise-relay token list --data DIR
//	pairwise-relay token revoke --data DIR [--purge] NAME
//	pairwise-relay doc list --data DIR
//	pairwise-relay doc delete --data DIR ID
//
// Each command takes --store postgres://... in place of --data to keep
// everything in a PostgreSQL database several relay instances share.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"pairwise/shared/procs"
	"pairwise/syncserver/relay"
	"pairwise/syncserver/relaystore"
)

const usage = `pairwise-relay: the sync relay for Pairwise mentoring pairs.

It keeps each pair's changes as sealed records it cannot read, and forwards
them between the pair's computers.

Usage:
  pairwise-relay serve --listen ADDR --data DIR [flags]   run the relay
  pairwise-relay token new --data DIR --name NAME         issue an organisation token
  pairwise-relay token list --data DIR                    list tokens
  pairwise-relay token revoke --data DIR [--purge] NAME   revoke a token (--purge: and
                                                          delete every pair it created)
  pairwise-relay doc list --data DIR                      storage used by each pair and token
  pairwise-relay doc delete --data DIR ID                 delete a pair from the relay

Every command takes --store postgres://USER@HOST/DB in place of --data DIR
to keep the relay's data, tokens included, in a PostgreSQL database: then
several relay instances behind one address serve the same pairs, and the
token and doc commands act on the database directly.

Organisation tokens let people create new pairs on this relay; joining a
pair needs only its invite. Each pair is tied to the token that created it,
and serve's --doc-quota and --token-quota bound what a pair and a token's
pairs may store. Token and doc commands work while the relay is serving on
the same folder: a revoked token stops working at once, and a deleted pair
is gone for its connected members too.

Run 'pairwise-relay COMMAND --help' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], stderr)
	case "token":
		err = token(args[1:], stdout, stderr)
	case "doc":
		err = doc(args[1:], stdout, stderr)
	default:
		err = fmt.Errorf("unknown command %q; run 'pairwise-relay --help'", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "pairwise-relay:", err)
		return 1
	}
	return 0
}

func defaultData() string {
	// systemd's StateDirectory= sets this.
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		return strings.Split(d, ":")[0]
	}
	return ""
}

// checkLoopback refuses a profiler address other people could reach: the
// profiler shows the relay's memory and goroutines.
func checkLoopback(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-listen %q: %v; give host:port, such as 127.0.0.1:6060", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--debug-listen %q: the profiler shows the relay's memory, so it only listens on a loopback address such as 127.0.0.1:6060", addr)
	}
	return nil
}

// profiler serves Go's runtime profiles, for diagnosing a relay in place.
func profiler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func needData(dir string) error {
	if dir == "" {
		return errors.New("say where the relay keeps its data with --data DIR")
	}
	return nil
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", ":7447", "address to listen on, host:port")
	pl := addPlaceFlags(fs, "folder for the relay's data (the document logs and the token file)")
	cert := fs.String("tls-cert", "", "certificate file (PEM) to serve wss:// directly; leave empty behind a TLS-terminating proxy")
	key := fs.String("tls-key", "", "private key file (PEM) for --tls-cert")
	def := relay.DefaultLimits()
	maxConns := fs.Int("max-conns", def.MaxConns, "most WebSocket connections at once")
	maxPerAddr := fs.Int("max-conns-per-addr", def.MaxConnsPerAddr, "most WebSocket connections from one IP address (behind a reverse proxy every client shares the proxy's address: raise it)")
	docQuota := &sizeFlag{def.DocQuota}
	fs.Var(docQuota, "doc-quota", "most one pair may store: its records and snapshot (such as 256MB; 0 for no limit)")
	tokenQuota := &sizeFlag{def.TokenQuota}
	fs.Var(tokenQuota, "token-quota", "most the pairs one organisation token created may store together (such as 4GB; 0 for no limit). "+
		"Keep it below the data disk's free space: below 160 MB free the relay refuses every write, for everyone, and the quota is what stops one writer getting there")
	metricsListen := fs.String("metrics-listen", "", "address (such as 127.0.0.1:9464) to serve Prometheus metrics on, under /metrics; off when empty. The WebSocket address does not serve them")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	debugListen := fs.String("debug-listen", "", "loopback address (such as 127.0.0.1:6060) to serve Go's profiler on, under /debug/pprof/; off when empty")
	gcPercent := fs.Int("gc-percent", defaultGCPercent, "how far the Go heap may grow past what is live before it is collected, in percent: lower keeps the relay smaller for more CPU. "+
		"When this flag is not given, GOGC in the environment sets it as for any Go program; GOMEMLIMIT works as usual")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := setGCPercent(fs, *gcPercent); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if err := pl.check(); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	// Every group commit ends in a disk sync; with one P the relay would
	// stop reading pushes and fanning out records for as long as it lasts.
	procs.AtLeastTwo()
	if err := checkLoopback(*debugListen); err != nil {
		return err
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	st, err := pl.open(log)
	if err != nil {
		return err
	}
	limits := def
	limits.MaxConns = *maxConns
	limits.MaxConnsPerAddr = *maxPerAddr
	limits.DocQuota, limits.TokenQuota = docQuota.n, tokenQuota.n
	tokens := relay.OpenTokens(pl.data)
	if sh, ok := st.(relaystore.Shared); ok {
		tokens = relay.OpenStoreTokens(sh)
	}
	srv := relay.New(st, tokens, log, limits)
	if !pl.shared() {
		srv.WatchAdmin(pl.data, time.Second)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		srv.Shutdown(context.Background())
		return fmt.Errorf("cannot listen on %s: %w", *listen, err)
	}
	hs := relay.NewHTTPServer(srv.Handler())
	hs.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	if *metricsListen != "" {
		ml, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			ln.Close()
			srv.Shutdown(context.Background())
			return fmt.Errorf("cannot listen on %s for metrics: %w", *metricsListen, err)
		}
		ms := relay.NewHTTPServer(srv.MetricsHandler())
		go ms.Serve(ml)
		defer ms.Close()
		log.Info("metrics serving", "url", "http://"+ml.Addr().String()+"/metrics")
	}
	scheme := "ws"
	if *cert != "" {
		scheme = "wss"
	}
	errc := make(chan error, 1)
	go func() {
		if *cert != "" {
			errc <- hs.ServeTLS(ln, *cert, *key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	log.Info("relay serving", "url", scheme+"://"+ln.Addr().String(), "store", pl.redacted(),
		"doc_quota", formatSize(limits.DocQuota), "token_quota", formatSize(limits.TokenQuota))
	if *debugListen != "" {
		dl, err := net.Listen("tcp", *debugListen)
		if err != nil {
			hs.Close()
			srv.Shutdown(context.Background())
			return fmt.Errorf("cannot listen on %s for the profiler: %w", *debugListen, err)
		}
		ds := &http.Server{Handler: profiler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		go ds.Serve(dl)
		defer ds.Close()
		log.Info("profiler serving", "url", "http://"+dl.Addr().String()+"/debug/pprof/")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case serveErr = <-errc:
		log.Error("serving stopped", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// Both at once: the HTTP server waits for idle connections that never
	// sent a request, and WebSocket clients should be told to go away
	// without waiting for that.
	httpDone := make(chan struct{})
	go func() { hs.Shutdown(sctx); close(httpDone) }()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("closing the store: %w", err)
	}
	<-httpDone
	log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// defaultGCPercent is the relay's GOGC unless told otherwise. Go's default
// of 100 lets the heap grow to twice what is live between collections.
// Under load much of the relay's live heap is Badger's memtables and table
// builders, and at 100 the heap's growth over them made W2's peak 62-68
// MiB; at 25 it was 49-55 MiB, for about four times as many collections
// (some 20 µs of CPU per record, of the relay's 250-290).
// That cost follows the rate of allocation, not the size of what is live,
// so it cannot run away: a relay with a large working set collects less
// often, each collection taking longer. A memory limit (GOMEMLIMIT)
// instead makes the collector run again and again once what is live nears
// it (the limit is soft: Go then caps the collector at about half the
// CPU, and lets the heap past it); the relay sets none of its own.
const defaultGCPercent = 25

// setGCPercent applies --gc-percent, or leaves GOGC's setting when the
// environment has one and the flag was not given.
func setGCPercent(fs *flag.FlagSet, pct int) error {
	if pct < 1 {
		return fmt.Errorf("--gc-percent %d: give 1 or more (GOGC=off in the environment turns collection off, for use with GOMEMLIMIT)", pct)
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "gc-percent" })
	if given || os.Getenv("GOGC") == "" {
		debug.SetGCPercent(pct)
	}
	return nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: choose debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: choose text or json", format)
}

func token(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("token needs a command: new, list or revoke")
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	pl := addPlaceFlags(fs, "the relay's data folder")
	switch args[0] {
	case "new":
		name := fs.String("name", "", "who the token is for (shown in token list, used to revoke it)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := pl.check(); err != nil {
			return err
		}
		var tok string
		if err := pl.tokens(stderr, func(a relay.TokenAdmin) (err error) { tok, err = a.New(*name); return err }); err != nil {
			return err
		}
		fmt.Fprintln(stdout, tok)
		fmt.Fprintln(stderr, "Keep this token: the relay stores only its hash, so it cannot be shown again.")
		return nil
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := pl.check(); err != nil {
			return err
		}
		var list []relay.Token
		if err := pl.tokens(stderr, func(a relay.TokenAdmin) (err error) { list, err = a.List(); return err }); err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "No tokens yet. Issue one with: pairwise-relay token new --data DIR --name NAME")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tISSUED\tSTATE")
		for _, t := range list {
			state := "live"
			if t.Revoked != nil {
				state = "revoked " + t.Revoked.Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.Created.Format(time.DateTime), state)
		}
		return tw.Flush()
	case "revoke":
		purge := fs.Bool("purge", false, "also delete every pair this token created, on the relay (members keep their own copies)")
		// Allow the name before or after the flags.
		name, err := parseWithArg(fs, args[1:], "usage: pairwise-relay token revoke --data DIR [--purge] NAME")
		if err != nil {
			return err
		}
		if err := pl.check(); err != nil {
			return err
		}
		return revoke(pl, name, *purge, stdout, stderr)
	}
	return fmt.Errorf("unknown token command %q: choose new, list or revoke", args[0])
}

func revoke(pl *place, name string, purge bool, stdout, stderr io.Writer) error {
	var list []relay.Token
	if err := pl.tokens(stderr, func(a relay.TokenAdmin) (err error) { list, err = a.List(); return err }); err != nil {
		return err
	}
	target := slices.IndexFunc(list, func(k relay.Token) bool { return k.Name == name && k.Revoked == nil })
	if target >= 0 || !purge {
		if err := pl.tokens(stderr, func(a relay.TokenAdmin) error { return a.Revoke(name) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked %q. It can no longer create pairs, on open connections too.\n", name)
	} else {
		// Already revoked: purge the latest token of that name, so a purge
		// that failed half-way can be run again.
		for j, k := range list {
			if k.Name == name {
				target = j
			}
		}
		if target < 0 {
			return fmt.Errorf("no token is named %q; `pairwise-relay token list` shows them", name)
		}
	}
	if !purge {
		return nil
	}
	out, err := adminRun(pl, relay.Request{Op: relay.OpPurge, Owner: list[target].ID()}, stderr)
	if err != nil {
		return fmt.Errorf("the token is revoked, but deleting its pairs failed: %w; run the command with --purge again", err)
	}
	fmt.Fprintf(stdout, "Deleted the %d pairs it created from the relay. Their members keep their own copies.\n", out.Deleted)
	return nil
}
