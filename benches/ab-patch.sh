#!/usr/bin/env bash
# Measures a patch against the commit it was written on, each beside
# cloudevents-sdk in the same run (benches/bench-notes.md quotes its runs).
#
# Builds the codec bench from COMMIT and from COMMIT with PATCH applied,
# each in a git worktree of its own with its own target directory (under
# target/ab-patch/, kept between runs so that only cespec is rebuilt), then
# runs the rows FILTER selects, the two builds alternately, ROUNDS times
# each. It prints, per class, the median SDK / reference time ratio of each
# build and the median reference time, and the geomean of the ratios. The
# SDK's row is timed right after the reference's in the same process, so
# each ratio carries its own control for the machine's drift, which moves
# single times by 5-10% from run to run on these 2-core guests.
#
# The patches under benches/experiments/ name the commit they apply to.
#
# Usage: bash benches/ab-patch.sh COMMIT PATCH [FILTER]
#   FILTER: a criterion filter (default: HTTP binary decode and encode, the
#   reference and the SDK, every class)
# Environment: ROUNDS (3), MEASUREMENT (2, criterion seconds), WARMUP (1)
# About 10 minutes to build both trees the first time on 2 cores; then
# about a minute per build and round with the default filter.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 2 ] || { sed -n '2,22p' "$0" >&2; exit 2; }
COMMIT="$1"
PATCH="$(realpath "$2")"
FILTER="${3:-http-binary-(decode|encode)/(reference|cloudevents-sdk)/}"
ROUNDS="${ROUNDS:-3}"
MEASUREMENT="${MEASUREMENT:-2}"
WARMUP="${WARMUP:-1}"
ROOT="$PWD/target/ab-patch"
RESULTS="$(mktemp)"
log() { echo "== $*" >&2; }

git rev-parse --verify --quiet "$COMMIT^{commit}" >/dev/null ||
    { echo "ab-patch: $COMMIT is not a commit of this repository" >&2; exit 2; }
[ -f "$PATCH" ] || { echo "ab-patch: $PATCH: no such file" >&2; exit 2; }

cleanup() {
    rm -f "$RESULTS"
    for tree in base patched; do
        git worktree remove --force "$ROOT/$tree" 2>/dev/null || true
    done
}
trap cleanup EXIT

source benches/common/codec-bench.sh

declare -A BENCH
mkdir -p "$ROOT"
# Both trees first, so that a patch that does not apply fails before any build.
for tree in base patched; do
    git worktree remove --force "$ROOT/$tree" 2>/dev/null || rm -rf "${ROOT:?}/$tree"
    git worktree add --quiet --detach "$ROOT/$tree" "$COMMIT"
done
git -C "$ROOT/patched" apply "$PATCH" ||
    { echo "ab-patch: $PATCH does not apply to $COMMIT" >&2; exit 1; }
for tree in base patched; do
    label="$COMMIT"
    [ "$tree" = base ] || label="$COMMIT + $(basename "$PATCH")"
    log "building $tree ($label)"
    BENCH[$tree]="$(codec_bench_binary "$ROOT/$tree" "$ROOT/$tree-target" --locked)" || true
    [ -x "${BENCH[$tree]}" ] || { echo "ab-patch: the $tree build failed" >&2; exit 1; }
done

for round in $(seq "$ROUNDS"); do
    for tree in base patched; do
        log "round $round of $ROUNDS: $tree"
        # The bench reads its suites relative to the working directory.
        (cd "$ROOT/$tree" && "${BENCH[$tree]}" --bench --noplot --warm-up-time "$WARMUP" \
            --measurement-time "$MEASUREMENT" "$FILTER" 2>/dev/null) |
            python3 -c '
import re, sys
tree, name = sys.argv[1], None
scale = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
for line in sys.stdin:
    head = re.match(r"^(\S+/\S+/\S+)", line)
    if head:
        name = head.group(1)
    time = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+)", line)
    if time and name:
        print(tree, name, float(time.group(1)) * scale[time.group(2)])
        name = None
' "$tree" >>"$RESULTS"
    done
done

python3 - "$RESULTS" "$COMMIT" "$(basename "$PATCH")" <<'EOF'
import collections, statistics, sys
path, commit, patch = sys.argv[1:]
times = collections.defaultdict(list)  # (tree, group, class, side) -> [ns]
ratios = collections.defaultdict(list)  # (group, class, tree) -> [sdk / ref]
for line in open(path):
    tree, name, ns = line.split()
    group, side, cls = name.split("/")
    times[(tree, group, cls, side)].append(float(ns))
    ref = times.get((tree, group, cls, "reference"))
    if side == "cloudevents-sdk" and ref:
        ratios[(group, cls, tree)].append(float(ns) / ref[-1])
rows = sorted({(g, c) for g, c, _ in ratios})
if not rows:
    sys.exit("ab-patch: no row with both the reference and cloudevents-sdk ran")
print(f"SDK / reference, median of each build's rounds; base {commit}, patched + {patch}")
print()
print("| row | base | patched | reference base (ns) | reference patched (ns) |")
print("|---|--:|--:|--:|--:|")
by_group = collections.defaultdict(lambda: collections.defaultdict(list))
for g, c in rows:
    cells = []
    for tree in ("base", "patched"):
        r = statistics.median(ratios[(g, c, tree)])
        by_group[g][tree].append(r)
        cells.append(f"{r:.2f}×")
    ref = [f"{statistics.median(times[(t, g, c, 'reference')]):.0f}" for t in ("base", "patched")]
    print(f"| {g}/{c} | {cells[0]} | {cells[1]} | {ref[0]} | {ref[1]} |")
for g, trees in sorted(by_group.items()):
    print(f"| {g} geomean | {statistics.geometric_mean(trees['base']):.2f}× "
          f"| {statistics.geometric_mean(trees['patched']):.2f}× | | |")
EOF
