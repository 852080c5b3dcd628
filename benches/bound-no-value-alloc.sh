#!/usr/bin/env bash
# A measured bound on HTTP binary decode against cloudevents-sdk
# (benches/bench-notes.md, "HTTP binary decode"): how fast would the
# reference be if no attribute value were allocated or copied at all?
#
# Builds the codec bench twice: as it is, and from a copy of HEAD with
# Checked::into_value (src/codec/typing.rs) patched to keep an empty String
# instead of the checked text. The patched build makes wrong events and is
# only for measuring. Both binaries run `http-binary-decode/(reference|
# cloudevents-sdk)/` alternately, ROUNDS times each, and the script prints
# the median times and the SDK / reference ratio of each build, per class
# and as a geomean (the SDK row pooled over both builds' runs). About 15 minutes on 2 cores (two release builds, then
# the runs; the first time, the patched build compiles its dependencies in
# target/bound-no-value-alloc).
#
# Usage: bash benches/bound-no-value-alloc.sh
# Environment: ROUNDS (5), MEASUREMENT (2, criterion seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-5}"
MEASUREMENT="${MEASUREMENT:-2}"
FILTER='http-binary-decode/(reference|cloudevents-sdk)/'
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
log() { echo "== $*" >&2; }

# Prints the path of the codec bench binary built from the tree at $1 into
# the target directory $2. Each build has its own: cargo names a package's
# artifacts the same from any directory, so a shared one would hand the
# patched binary back as the unpatched one.
build() {
    (cd "$1" && CARGO_TARGET_DIR="$2" cargo bench --bench codec --no-run \
        --message-format=json 2>/dev/null) |
        python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "codec" and m.get("executable"):
        print(m["executable"])'
}

ROOT="$PWD"
log "building the codec bench as it is"
cp "$(build "$ROOT" "$ROOT/target")" "$WORK/as-is"

log "building it with no value text kept (Checked::into_value patched)"
mkdir "$WORK/tree"
git archive HEAD | tar -x -C "$WORK/tree"
python3 - "$WORK/tree/src/codec/typing.rs" <<'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
patched = text
for variant in ["Uri", "UriRef", "String"]:
    patched = patched.replace(
        f"AttributeValue::{variant}(text.to_owned())",
        f"AttributeValue::{variant}({{ let _ = text; String::new() }})",
    )
if patched.count("String::new()") - text.count("String::new()") != 3:
    sys.exit("bound-no-value-alloc: Checked::into_value no longer looks as expected")
open(path, "w").write(patched)
EOF
cp "$(build "$WORK/tree" "$ROOT/target/bound-no-value-alloc")" "$WORK/no-value"

for round in $(seq "$ROUNDS"); do
    for build in as-is no-value; do
        log "round $round/$ROUNDS: $build"
        "$WORK/$build" --bench --warm-up-time 1 --measurement-time "$MEASUREMENT" --noplot "$FILTER" 2>/dev/null |
            awk -v b="$build" '
                /^http-binary-decode\// { name = $1 }
                /^ +time: +\[/ && name != "" {
                    v = $4; if ($5 == "µs") v *= 1000; if ($5 == "ms") v *= 1e6
                    print b, name, v; name = ""
                }' >> "$WORK/times"
    done
done

python3 - "$WORK/times" <<'EOF'
import collections, math, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    build, name, ns = line.split()
    _, lib, cls = name.split("/")
    times[(build, lib, cls)].append(float(ns))
median = {k: statistics.median(v) for k, v in times.items()}
classes = list(dict.fromkeys(k[2] for k in median))
print("| class | reference as is | reference, no value kept | cloudevents-sdk | SDK / as is | SDK / no value kept |")
print("|---|--:|--:|--:|--:|--:|")
ratios = {"as-is": [], "no-value": []}
for cls in classes:
    # The SDK's code is the same in both binaries: its row is the median
    # over the runs of both, so noise in one build's SDK runs does not
    # pass for a change in that build's reference.
    sdk = statistics.median(times[("as-is", "cloudevents-sdk", cls)]
                            + times[("no-value", "cloudevents-sdk", cls)])
    cells = [cls]
    for build in ratios:
        cells.append(f"{median[(build, 'reference', cls)]:.0f} ns")
    cells.append(f"{sdk:.0f} ns")
    for build in ratios:
        r = sdk / median[(build, "reference", cls)]
        ratios[build].append(r)
        cells.append(f"{r:.2f}×")
    print("| " + " | ".join(cells) + " |")
geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"\ngeomean SDK / reference: as is {geo(ratios['as-is']):.2f}×, "
      f"no value kept {geo(ratios['no-value']):.2f}×")
EOF
