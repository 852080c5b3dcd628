#!/usr/bin/env bash
# The reproducible benchmark comparison: builds in release, runs the criterion
# codec comparison (the reference beside cloudevents-sdk 0.9 and a raw serde
# struct), then the HTTP load comparison (cespec bench beside wrk, the same
# request, the same cespec serve target, the same connections and duration),
# and writes reports/bench.md with the machine, the versions, the ratios and
# the exact commands. About 20 minutes on 2 cores.
#
# The goals' rows (the reference and the peer each goal names) run again
# after the full codec run, GOAL_RUNS times in all, and each goal's ratio on
# a class is the median over those runs: on these shared 2-core guests a
# ratio swings by 5-10% from run to run, and one disturbed row in one run
# once decided a verdict (benches/bench-notes.md).
#
# Usage: bash benches/compare.sh            (from anywhere in the repository)
# Environment: CONNECTIONS (32), DURATION (10, seconds), RUNS (3, load runs),
#              GOAL_RUNS (3, runs of the goals' rows, the full run included),
#              MEASUREMENT (3, criterion seconds), WARMUP (1, criterion seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10}"
RUNS="${RUNS:-3}"
GOAL_RUNS="${GOAL_RUNS:-3}"
MEASUREMENT="${MEASUREMENT:-3}"
WARMUP="${WARMUP:-1}"
OUT=reports/bench.md
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

need() { # need COMMAND DEBIAN-PACKAGE
    if ! command -v "$1" >/dev/null 2>&1; then
        log "installing $2"
        apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
    fi
}
need wrk wrk
[ -x /usr/bin/time ] || need /usr/bin/time time
need python3 python3

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE="$(loadavg)"

log "building (release)"
cargo build --release --locked --bin cespec
cargo bench --locked --bench codec --no-run
CESPEC=target/release/cespec

log "codec comparison (criterion: warm-up ${WARMUP} s, measurement ${MEASUREMENT} s)"
rm -rf target/criterion
CODEC_CMD="cargo bench --locked --bench codec -- --warm-up-time $WARMUP --measurement-time $MEASUREMENT"
$CODEC_CMD > "$WORK/criterion.log" 2>&1 || { tail -40 "$WORK/criterion.log"; exit 1; }
# The rows the goals read (listed once, in benches/summarise.py's
# GOAL_ROWS), run again into directories of their own.
GOAL_FILTER="$(python3 benches/summarise.py --goal-filter)"
ROUND_DIRS=()
for run in $(seq 2 "$GOAL_RUNS"); do
    log "goal rows, run $run of $GOAL_RUNS"
    CRITERION_HOME="$WORK/goal-run-$run" $CODEC_CMD "$GOAL_FILTER" > "$WORK/goal-run-$run.log" 2>&1 ||
        { tail -40 "$WORK/goal-run-$run.log"; exit 1; }
    ROUND_DIRS+=("$WORK/goal-run-$run")
done
GOAL_CMD="CRITERION_HOME=DIR $CODEC_CMD '$GOAL_FILTER'"
python3 benches/summarise.py target/criterion --json "$WORK/codec.json" \
    ${ROUND_DIRS[@]+--rounds "${ROUND_DIRS[@]}"} > "$WORK/codec.md"
LOAD_AFTER_CODEC="$(loadavg)"

log "HTTP comparison: cespec serve, wrk and cespec bench, ${CONNECTIONS} connections, ${DURATION} s x ${RUNS}"
"$CESPEC" serve --port 0 > "$WORK/serve.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do grep -q "listening on" "$WORK/serve.out" && break; sleep 0.1; done
URL="$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$WORK/serve.out")/"
[ "$URL" != "/" ] || { cat "$WORK/serve.out"; exit 1; }
"$CESPEC" bench --target "$URL" --input core --wrk-script "$WORK/core.lua"

WRK_CMD="wrk -t1 -c$CONNECTIONS -d${DURATION}s -s core.lua --latency $URL"
CESPEC_CMD="cespec bench --target $URL --input core -t 1 -c $CONNECTIONS -d ${DURATION}s --validate 1000 --json run.json"
# Warm the server up.
wrk -t1 -c"$CONNECTIONS" -d2s -s "$WORK/core.lua" "$URL" > /dev/null
for run in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S" -o "$WORK/wrk.$run.time" \
        wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$WORK/core.lua" --latency "$URL" > "$WORK/wrk.$run.out"
    /usr/bin/time -f "%U %S" -o "$WORK/cespec.$run.time" \
        "$CESPEC" bench --target "$URL" --input core -t 1 -c "$CONNECTIONS" -d "${DURATION}s" \
        --validate 1000 --json "$WORK/cespec.$run.json" > "$WORK/cespec.$run.out"
done
# Every reply judged, once: the cost of validating all of them.
ALL_CMD="cespec bench --target $URL --input core -t 1 -c $CONNECTIONS -d ${DURATION}s --validate 1 --json all.json"
/usr/bin/time -f "%U %S" -o "$WORK/all.time" \
    "$CESPEC" bench --target "$URL" --input core -t 1 -c "$CONNECTIONS" -d "${DURATION}s" \
    --validate 1 --json "$WORK/all.json" > /dev/null
# Open loop at half of wrk's median rate: the achieved rate and the latency
# from the intended send time.
RATE="$(python3 - "$WORK" "$RUNS" <<'EOF'
import re, sys, statistics
work, runs = sys.argv[1], int(sys.argv[2])
rates = [float(re.search(r"Requests/sec:\s*([\d.]+)", open(f"{work}/wrk.{r}.out").read()).group(1))
         for r in range(1, runs + 1)]
print(int(statistics.median(rates) / 2))
EOF
)"
OPEN_CMD="cespec bench --target $URL --input core -t 1 -c $CONNECTIONS -d ${DURATION}s --rate $RATE --validate 1000 --json open.json"
"$CESPEC" bench --target "$URL" --input core -t 1 -c "$CONNECTIONS" -d "${DURATION}s" \
    --rate "$RATE" --validate 1000 --json "$WORK/open.json" > /dev/null
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
LOAD_AFTER="$(loadavg)"

log "writing $OUT"
export WORK RUNS CONNECTIONS DURATION LOAD_BEFORE LOAD_AFTER_CODEC LOAD_AFTER RATE
export CODEC_CMD GOAL_CMD GOAL_RUNS WRK_CMD CESPEC_CMD ALL_CMD OPEN_CMD
python3 - <<'EOF' > "$OUT"
import json, os, re, statistics, subprocess

env = os.environ
work, runs = env["WORK"], int(env["RUNS"])

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"

def lock_version(name):
    text = open("Cargo.lock").read()
    m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), text)
    return m.group(1) if m else "?"

def cpu_seconds(path):
    user, system = open(path).read().split()[-2:]
    return float(user) + float(system)

rows = []
for r in range(1, runs + 1):
    w = open(f"{work}/wrk.{r}.out").read()
    wrk_rps = float(re.search(r"Requests/sec:\s*([\d.]+)", w).group(1))
    wrk_reqs = int(re.search(r"(\d+) requests in", w).group(1))
    wrk_errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses:\s*(\d+)", w))
    wrk_p = {q: re.search(r"%s%%\s+([\d.]+\w+)" % q, w).group(1) for q in ("50", "90", "99")}
    c = json.load(open(f"{work}/cespec.{r}.json"))["results"][0]
    rows.append({
        "wrk_rps": wrk_rps,
        "wrk_cpu_us": cpu_seconds(f"{work}/wrk.{r}.time") / wrk_reqs * 1e6,
        "wrk_p": wrk_p,
        "wrk_errors": wrk_errors,
        "ces_rps": c["requests-per-second"],
        "ces_cpu_us": cpu_seconds(f"{work}/cespec.{r}.time") / max(c["requests"], 1) * 1e6,
        "ces_lat": c["latency"],
        "ces_errors": c["errors"],
        "conformant": c["conformant"],
        "validated": c["validated"],
    })
med = lambda key: statistics.median(r[key] for r in rows)
all_run = json.load(open(f"{work}/all.json"))["results"][0]
all_cpu = cpu_seconds(f"{work}/all.time") / max(all_run["requests"], 1) * 1e6
open_run = json.load(open(f"{work}/open.json"))["results"][0]
machine = {
    "CPUs (nproc)": sh("nproc"),
    "CPU model": sh("lscpu | sed -n 's/^Model name:[ ]*//p'") or "?",
    "kernel": sh("uname -sr"),
    "load average (1, 5, 15 min) before / after the codec run / at the end":
        f'{env["LOAD_BEFORE"]} / {env["LOAD_AFTER_CODEC"]} / {env["LOAD_AFTER"]}',
    "rustc": sh("rustc --version"),
    "wrk": sh("wrk -v 2>&1 | head -1"),
    "crates": ", ".join(f"{n} {lock_version(n)}" for n in
                        ["serde_json", "cloudevents-sdk", "criterion", "hyper", "tokio", "httparse", "hdrhistogram"]),
    "allocator": "system (glibc malloc)",
    "profile": "release (opt-level 3, debug = 1), no target-cpu flags",
}
p = print
p("# cespec benchmarks\n")
p("Written by `bash benches/compare.sh` (do not edit by hand; the analysis below the tables is in the script).")
p("Every ratio is measured side by side in one run on one machine; read the absolute figures only as context.\n")
p("## Machine\n")
p("| | |\n|---|---|")
for k, v in machine.items():
    p(f"| {k} | {v} |")
p("\nThe machine is a shared 2-vCPU KVM guest on which other jobs were compiling; the load average above says how")
p("busy it was. On 2 cores, wrk (or cespec bench) and `cespec serve` share the CPUs, so requests per second are")
p("bounded by the server; CPU time per request is the figure that compares the two drivers.\n")
p("## Codec comparison (criterion)\n")
p(f"Command: `{env['CODEC_CMD']}` (inputs: `suites/bench.yaml`, through the suite loader).")
goal_runs = int(env["GOAL_RUNS"])
if goal_runs > 1:
    p(f"The goals' rows then ran {goal_runs - 1} more times (`{env['GOAL_CMD']}`, each run into a directory of its own),")
    p(f"and each goal's ratio on a class is the median of its {goal_runs} runs; the tables are the full run's, and")
    p("the last tables give every run's ratio.")
p("Ratios are peer time / reference time: above 1 means the reference is faster.\n")
p(open(f"{work}/codec.md").read())
p("## HTTP load comparison (cespec bench beside wrk)\n")
p(f"The target is `cespec serve` (the reference echo server) on loopback; the request is the `core` bench input in")
p(f"HTTP binary mode (ce- headers, ~200 B JSON body, `x-echo-mode: binary`), written for wrk by `cespec bench --wrk-script`.")
p(f"Both drivers: 1 thread, {env['CONNECTIONS']} connections, {env['DURATION']} s, closed loop, {runs} alternating runs after a 2 s warm-up; medians below.")
p("CPU per request is the driver process's user + system time (`/usr/bin/time`) over its completed requests.\n")
p("Commands (in the run's temporary directory):\n")
for k in ("WRK_CMD", "CESPEC_CMD", "ALL_CMD", "OPEN_CMD"):
    p(f"- `{env[k]}`")
p("")
p("| driver | requests/s (median) | CPU per request (median) | p50 / p90 / p99 latency (last run) | errors |")
p("|---|--:|--:|---|--:|")
last = rows[-1]
p(f"| wrk | {med('wrk_rps'):,.0f} | {med('wrk_cpu_us'):.1f} µs | {last['wrk_p']['50']} / {last['wrk_p']['90']} / {last['wrk_p']['99']} | {sum(r['wrk_errors'] for r in rows)} |")
lat = last["ces_lat"]
p(f"| cespec bench (`--validate 1000`) | {med('ces_rps'):,.0f} | {med('ces_cpu_us'):.1f} µs | {lat['p50']:.0f}µs / {lat['p90']:.0f}µs / {lat['p99']:.0f}µs | {sum(r['ces_errors'] for r in rows)} |")
p(f"| cespec bench (`--validate 1`, every reply judged) | {all_run['requests-per-second']:,.0f} | {all_cpu:.1f} µs | {all_run['latency']['p50']:.0f}µs / {all_run['latency']['p90']:.0f}µs / {all_run['latency']['p99']:.0f}µs | {all_run['errors']} |")
p("")
# Each run times wrk and then cespec bench, back to back: a goal's ratio is
# the median of the runs' ratios, each pair measured at the same moment (as
# the codec goals take the median of their runs' ratios). The ratio of the
# two medians, which pairs one run's wrk with another's cespec bench, read
# 1.00x (above 1.0 unrounded) where the runs read 0.98x, 0.99x and 1.00x.
rps_ratio = statistics.median(r["ces_rps"] / r["wrk_rps"] for r in rows)
cpu_ratio = statistics.median(r["ces_cpu_us"] / r["wrk_cpu_us"] for r in rows)
# Two decimals, or three where two would hide which side of 1.0 it is on.
ratio_text = lambda x: f"{x:.3f}×" if round(x, 2) == 1.0 and x != 1.0 else f"{x:.2f}×"
p("| goal | target | measured | verdict |\n|---|--:|---|---|")
p(f"| cespec bench requests/s vs wrk, same target and connections | ≥ 1.0× | {ratio_text(rps_ratio)} (median of the runs: " +
  ", ".join(f"{r['ces_rps'] / r['wrk_rps']:.2f}×" for r in rows) + f") | {'met' if rps_ratio >= 1.0 else ('parity within noise, below 1.0×' if rps_ratio >= 0.98 else '**missed**')} |")
p(f"| CPU per request, cespec bench / wrk | ≤ 1.0× | {ratio_text(cpu_ratio)} (median of the runs: " +
  ", ".join(f"{r['ces_cpu_us'] / r['wrk_cpu_us']:.2f}×" for r in rows) + f") | {'met' if cpu_ratio <= 1.0 else '**missed**'} |")
p("")
p(f"Every judged reply was conformant: {all(r['conformant'] for r in rows) and all_run['conformant']} "
  f"({sum(r['validated'] for r in rows) + all_run['validated']:,} replies judged with the reference).")
achieved = open_run["requests-per-second"]
p(f"\nOpen loop at {int(env['RATE']):,} requests/s (half of wrk's median): achieved {achieved:,.0f}/s "
  f"({(achieved / int(env['RATE']) - 1) * 100:+.2f}%), latency from the intended send time p50 {open_run['latency']['p50']:.0f} µs, "
  f"p90 {open_run['latency']['p90']:.0f} µs, p99 {open_run['latency']['p99']:.0f} µs, p99.9 {open_run['latency']['p99.9']:.0f} µs, "
  f"max {open_run['latency']['max']:.0f} µs.\n")
p(open("benches/bench-notes.md").read())
EOF
log "done: $OUT"
