#!/usr/bin/env bash
# compare.sh ANCHORS_DIR: runs the Yjs anchor and Pairwise's load tool on the
# same workloads, taking turns run by run on this machine, and prints one
# Markdown table of Pairwise beside Yjs with the ratio and issue 12's goal
# for each figure.
#
#   app/loadtest/compare.sh /tmp/anchors
#   RUNS=3 app/loadtest/compare.sh /tmp/anchors
#   WORKLOADS=w1,w3 app/loadtest/compare.sh /tmp/anchors
#
# ANCHORS_DIR is a copy of the bench-anchors harness with node_modules
# installed (`npm install` there). Its results go to a temporary folder, so
# the copy is left as it was. Pairwise's relay and load tool are built from
# this repository.
#
# Knobs (environment):
#   RUNS       runs of each side, alternating (default 1); the table shows medians
#   WORKLOADS  comma-separated, from w1, w2, w2raw, w3, idle (default all
#              five; the Yjs harness has no idle workload, and w2raw is
#              compared with the Yjs anchor's W2)
#   LOG_DIR    keep both sides' full output here (default: thrown away)
#   PIN        0 = pin neither side to a CPU (default: both pinned, the
#              servers on CPU 0 and the clients on CPU 1)
#   LOAD_FLAGS extra flags for pairwise-load, e.g. to scale it down for a
#              quick look ("-w1-edits 200 -w2-docs 50"); the anchor's own
#              knobs (W1_EDITS, W2_DOCS, ...) pass through the environment.
#              The table is only a comparison when both run the same scale.
#
# Needs go, node and timeout. Everything talks to 127.0.0.1 only.
set -euo pipefail

usage() { echo "usage: $0 ANCHORS_DIR   (a copy of bench-anchors with node_modules installed)" >&2; exit 2; }
[ $# -eq 1 ] || usage
anchors=$(cd "$1" 2>/dev/null && pwd) || usage
[ -f "$anchors/yjs.mjs" ] && [ -d "$anchors/node_modules" ] || { echo "$1: no yjs.mjs or no node_modules (run npm install there)" >&2; exit 2; }
for tool in go node timeout; do
	command -v "$tool" >/dev/null || { echo "compare.sh needs $tool on PATH" >&2; exit 2; }
done

runs=${RUNS:-1}
workloads=${WORKLOADS:-w1,w2,w2raw,w3,idle}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive number, not '$runs'" >&2; exit 2 ;; esac
yjs_list=()
IFS=, read -ra wanted <<<"$workloads"
for w in "${wanted[@]}"; do
	case $w in
	w1 | w2 | w3) yjs_list+=("$w") ;;
	w2raw | idle) ;;
	*) echo "WORKLOADS: '$w' is not one of w1, w2, w2raw, w3, idle" >&2; exit 2 ;;
	esac
done
# w2raw is set beside the anchor's W2.
if [[ ",$workloads," == *,w2raw,* && ",$workloads," != *,w2,* ]]; then yjs_list+=(w2); fi
pin=()
if [ "${PIN:-1}" = 0 ]; then pin=(-pin=false); fi
read -ra load_flags <<<"${LOAD_FLAGS:-}"

repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pairwise-compare-XXXXXX")
cleanup() {
	if [ -n "${LOG_DIR:-}" ]; then mkdir -p "$LOG_DIR" && cp "$tmp"/*.log "$LOG_DIR"/ 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "$@" >&2; }
failed=0

started=$(date -u '+%Y-%m-%d %H:%M UTC')
say "compare.sh: $started, RUNS=$runs, WORKLOADS=$workloads; logs in $tmp"

# Build Pairwise's relay and load tool from this repository first, so a
# build error shows before the anchor's minutes.
say "building the relay and the load tool"
(cd "$repo" && CGO_ENABLED=0 go build -o "$tmp/pairwise-relay" ./syncserver && go build -o "$tmp/pairwise-load" ./app/loadtest) \
	>"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }

# The two sides take turns, one run each at a time, so that both meet the
# same spells of a shared machine (its speed moves by 2-5x within minutes).
# The Yjs anchor runs all its workloads in one invocation (a fresh server
# per workload): about 15 s for W1, 30 s for W2, 10 s for W3.
yjs_workloads=$(IFS=,; echo "${yjs_list[*]:-}")
: >"$tmp/pairwise.jsonl"
: >"$tmp/yjs-files"

# The machine's CPU time (all CPUs, in ticks) and the part of it its
# hypervisor gave other guests (steal), from /proc/stat: a side whose run
# met more steal was slowed by the machine, not by itself.
ticks() { awk '/^cpu /{t=0; for (i = 2; i <= 9; i++) t += $i; print t, $9; exit}' /proc/stat 2>/dev/null || echo "0 0"; }
yjs_ticks=(0 0) pw_ticks=(0 0)
add_ticks() { # add_ticks NAME BEFORE_TOTAL BEFORE_STEAL: NAME+=(now - before)
	local -n acc=$1
	local now
	read -ra now <<<"$(ticks)"
	acc=($((acc[0] + now[0] - $2)) $((acc[1] + now[1] - $3)))
}

for r in $(seq 1 "$runs"); do
	if [ -n "$yjs_workloads" ]; then
		read -ra before <<<"$(ticks)"
		say "Yjs run $r/$runs: node yjs.mjs --workload $yjs_workloads --runs 1"
		mkdir -p "$tmp/yjs-results-$r"
		if (cd "$anchors" && RESULTS_DIR="$tmp/yjs-results-$r" PIN="${PIN:-1}" timeout 900 \
			node yjs.mjs --workload "$yjs_workloads" --runs 1) >"$tmp/yjs-$r.log" 2>&1 &&
			ls "$tmp/yjs-results-$r"/*.json >/dev/null 2>&1; then
			ls "$tmp/yjs-results-$r"/*.json | head -n 1 >>"$tmp/yjs-files"
		else
			say "Yjs run $r failed; the end of its output:"
			tail -n 20 "$tmp/yjs-$r.log" >&2
			failed=1
		fi
		add_ticks yjs_ticks "${before[@]}"
	fi

	# Pairwise: -json puts one line per workload at the end of the output.
	say "Pairwise run $r/$runs: pairwise-load -json -workload $workloads"
	read -ra before <<<"$(ticks)"
	if timeout $((1800 * ${#wanted[@]})) "$tmp/pairwise-load" -json -workload "$workloads" -relay "$tmp/pairwise-relay" -dir "$tmp/scratch" "${pin[@]}" "${load_flags[@]}" \
		>"$tmp/pairwise-$r.log" 2>&1; then
		grep '^{"workload":' "$tmp/pairwise-$r.log" >>"$tmp/pairwise.jsonl" || true
	else
		say "Pairwise run $r failed; the end of its output:"
		tail -n 20 "$tmp/pairwise-$r.log" >&2
		grep '^{"workload":' "$tmp/pairwise-$r.log" >>"$tmp/pairwise.jsonl" || true
		failed=1
	fi
	add_ticks pw_ticks "${before[@]}"
	rm -rf "$tmp/scratch"
done
cp "$tmp/pairwise-1.log" "$tmp/pairwise.log" 2>/dev/null || true

pairwise_version=$(cd "$repo" && git describe --always --dirty 2>/dev/null || echo unknown)
pairwise_date=$(cd "$repo" && git log -1 --format=%cI 2>/dev/null || echo unknown)

node - "$tmp/yjs-files" "$tmp/pairwise.jsonl" "$runs" "$workloads" "$pairwise_version" "$pairwise_date" "$(go env GOVERSION)" "$started" "${yjs_ticks[*]}" "${pw_ticks[*]}" <<'EOF'
const fs = require('fs')
const [yjsList, pwFile, runs, workloads, pwVersion, pwDate, goVersion, started, yjsTicks, pwTicks] = process.argv.slice(2)
const stealPct = t => { const [total, steal] = t.split(' ').map(Number); return total > 0 ? 100 * steal / total : undefined }

const median = xs => { const s = xs.filter(x => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : undefined }

// Yjs: one results file per run, whose summary holds each figure of that
// run; the median over the runs.
const yjsRuns = fs.readFileSync(yjsList, 'utf8').split('\n').filter(Boolean).map(f => JSON.parse(fs.readFileSync(f, 'utf8')))
const yjs = yjsRuns[0] || { meta: {}, workloads: {} }
const y = (wl, key) => median(yjsRuns.map(r => r.workloads?.[wl]?.summary?.[key]?.median))

// Pairwise: one JSON line per workload per run; the median per key.
const lines = fs.readFileSync(pwFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l))
const p = (wl, key) => median(lines.filter(l => l.workload === wl).map(l => l[key]))

const fmt = (v, d = 2) => v === undefined ? 'n/a' : (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toFixed(d)).toString())
const wanted = workloads.split(',')

// Each row: a figure, Yjs's value, Pairwise's, and the goal as a ratio to
// Yjs (rel) or as an absolute bound (abs).
const rows = [
  ['w1', 'W1 latency p50 (ms)', y('w1', 'latency.p50_ms'), p('w1', 'p50_ms'), { rel: 1.3 }],
  ['w1', 'W1 latency p99 (ms)', y('w1', 'latency.p99_ms'), p('w1', 'p99_ms'), { rel: 0.5 }],
  ['w1', 'W1 edit to durable p99 (ms)', undefined, p('w1', 'edit_durable_p99_ms'), { abs: 3, unit: 'ms', yjs: '– (persists nothing)' }],
  ['w1', 'W1 writer behind schedule, max (ms)', y('w1', 'writerMaxBehindScheduleMs'), p('w1', 'writer_behind_ms'), { schedule: true }],
  ['w2', 'W2 latency p50 (ms)', y('w2', 'latency.p50_ms'), p('w2', 'p50_ms'), {}],
  ['w2', 'W2 latency p99 (ms)', y('w2', 'latency.p99_ms'), p('w2', 'p99_ms'), { rel: 0.5 }],
  ['w2', 'W2 relay RSS idle, all connected (MiB)', y('w2', 'serverIdle1000.VmRSS_MiB'), p('w2', 'relay_idle_rss_mb'), { rel: 0.5 }],
  ['w2', 'W2 relay peak RSS (MiB)', y('w2', 'serverFinal.VmHWM_MiB'), p('w2', 'relay_peak_rss_mb'), { rel: 0.5 }],
  ['w2', 'W2 writers behind schedule, max (ms)', y('w2', 'writerMaxBehindScheduleMs'), p('w2', 'writer_behind_ms'), { schedule: true }],
  ['w2raw', 'W2 relay only: latency p50 (ms)', y('w2', 'latency.p50_ms'), p('w2raw', 'p50_ms'), {}],
  ['w2raw', 'W2 relay only: latency p99 (ms)', y('w2', 'latency.p99_ms'), p('w2raw', 'p99_ms'), { rel: 0.5 }],
  ['w2raw', 'W2 relay only: relay peak RSS (MiB)', y('w2', 'serverFinal.VmHWM_MiB'), p('w2raw', 'relay_peak_rss_mb'), { rel: 0.5 }],
  ['w2raw', 'W2 relay only: writers behind schedule, max (ms)', y('w2', 'writerMaxBehindScheduleMs'), p('w2raw', 'writer_behind_ms'), { schedule: true }],
  ['w3', 'W3 catch-up (ms)', y('w3', 'catchupMs'), p('w3', 'catchup_ms'), { rel: 0.5 }],
  ['w3', 'W3 bytes received', y('w3', 'wireBytesIn'), p('w3', 'bytes_received'), { rel: 1.4 }],
  ['idle', 'Idle relay RSS per connection (KiB)', 23, p('idle', 'rss_per_conn_kb'), { abs: 12, unit: 'KiB', yjs: '≈ 23 ¹' }]
].filter(r => wanted.includes(r[0]))

const out = []
out.push(`Measured ${started} on ${require('os').cpus().length} CPUs, ${runs} run(s) each (medians), loopback.`)
out.push(`Yjs: ${Object.entries(yjs.meta.versions || {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'not run'}; node ${yjs.meta.node || process.version}.`)
out.push(`Pairwise: ${pwVersion} (${pwDate}), ${goVersion}; relay and load tool built from it.`)
out.push('')
out.push('| figure | Yjs | Pairwise | ratio (Pairwise/Yjs) | goal | met/missed |')
out.push('|---|---|---|---|---|---|')
let missed = 0
for (const [, name, yv, pv, g] of rows) {
  const ratio = yv !== undefined && pv !== undefined && yv > 0 ? pv / yv : undefined
  let goal = '–'; let verdict = ''
  if (g.rel !== undefined) {
    goal = `≤ ${g.rel}× Yjs`
    verdict = ratio === undefined ? 'not measured' : ratio <= g.rel ? 'met' : 'missed'
  } else if (g.abs !== undefined) {
    goal = `≤ ${g.abs} ${g.unit}`
    verdict = pv === undefined ? 'not measured' : pv <= g.abs ? 'met' : 'missed'
  } else if (g.schedule) {
    // Not a goal: says whether the latencies above measure the server or
    // a client side that could not keep up (the anchors' own writers fall
    // about 10 ms behind).
    verdict = pv === undefined ? '' : pv <= 10 ? 'on schedule' : 'BEHIND: the latencies include the load tool'
  }
  if (verdict === 'missed') missed++
  const note = g.yjs?.includes('¹') ? ' ¹' : ''
  out.push(`| ${name} | ${g.yjs ?? fmt(yv)} | ${fmt(pv)} | ${ratio === undefined || g.schedule ? '–' : fmt(ratio) + note} | ${goal} | ${verdict} |`)
}
out.push('')
const ys = stealPct(yjsTicks), ps = stealPct(pwTicks)
if (ys !== undefined || ps !== undefined) out.push(`The machine's hypervisor gave other guests ${fmt(ys, 1)}% of its CPU time during the Yjs runs and ${fmt(ps, 1)}% during Pairwise's (steal, from /proc/stat): time in which a virtual CPU, and whatever was running on it, waited.`)
if (wanted.includes('idle')) out.push('¹ The Yjs harness has no idle workload; 23 KiB per connection is the handbook\'s figure for Yjs (workloads.md), not measured in this run.')
out.push('Yjs keeps everything in memory and persists nothing; Pairwise\'s relay syncs every record to disk before acknowledging it.')
if (lines.some(l => l.workload === 'w2raw')) out.push('"W2 relay only" is W2\'s schedule with the engines taken out, beside the same Yjs W2 run: per document a writer that pushes records of an edit\'s sealed size (random bytes, new for each record, as sealed ones are), each signed and tagged as the app\'s are, and a reader that takes them as they arrive. The relay does all of its work (session tag, numbering, durable group commit, fan-out); the thousand full engines of W2 need more CPU than this machine has beside the relay, so that row shows the relay itself.')
if (lines.some(l => l.workload === 'w2')) out.push('W2\'s Pairwise clients are real engines (sealing, signatures, the real wire) over Badger stores kept in memory, so that the one process hosting every client can keep the schedule (the "writers behind schedule" row says whether it did); the relay is durable on disk.')
out.push(`Goals: ${missed === 0 ? 'all met' : `${missed} missed`}.`)
console.log(out.join('\n'))
EOF
say "compare.sh: done $(date -u '+%H:%M UTC')"
exit $failed
