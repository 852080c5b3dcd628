#!/usr/bin/env bash
# Measured bounds on HTTP binary decode against cloudevents-sdk
# (benches/bench-notes.md, "HTTP binary decode"): how fast would the
# reference be if it allocated less, or nothing at all?
#
# Builds the codec bench three times, each into its own target directory
# (cargo names a package's artifacts the same from any tree, so a shared
# one could hand one build's binary back as another's):
#   as-is     the tree as it is;
#   no-value  Checked::into_value (src/codec/typing.rs) keeps an empty
#             String instead of the checked text: no attribute value is
#             allocated or copied;
#   no-alloc  no-value, and the event keeps up to four attributes inline
#             (a smallvec, no heap vector; the fast path reserves nothing),
#             and the bench's reference row calls a decoder that returns
#             the one event instead of a Decoded with a vector of events:
#             `minimal` and the data classes decode with no allocation.
# The patched builds make wrong events and are only for measuring. All three
# run `http-binary-decode/(reference|cloudevents-sdk)/` alternately, ROUNDS
# times each, and the script prints the median times and the SDK / reference
# ratio of each build, per class and as a geomean (the SDK row pooled over
# every build's runs). About 25 minutes on 2 cores the first time (each
# patched build compiles its dependencies under target/bounds-*), 15 after.
#
# Usage: bash benches/bounds-http-decode.sh
# Environment: ROUNDS (5), MEASUREMENT (2, criterion seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-5}"
MEASUREMENT="${MEASUREMENT:-2}"
FILTER='http-binary-decode/(reference|cloudevents-sdk)/'
BUILDS=(as-is no-value no-alloc)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
log() { echo "== $*" >&2; }

source benches/common/codec-bench.sh

# Applies the patches of variant $2 to the tree at $1; fails loudly when a
# file no longer looks as the patch expects, rather than measure the tree as is.
patch_tree() {
    python3 - "$1" "$2" <<'EOF'
import pathlib, sys
root, variant = pathlib.Path(sys.argv[1]), sys.argv[2]

def patch(path, old, new, count=1):
    file = root / path
    text = file.read_text()
    if text.count(old) != count:
        sys.exit(f"bounds-http-decode: {path} no longer looks as expected ({old!r})")
    file.write_text(text.replace(old, new))

for v in ["Uri", "UriRef", "String"]:
    patch("src/codec/typing.rs", f"AttributeValue::{v}(text.to_owned())",
          f"AttributeValue::{v}({{ let _ = text; String::new() }})")
if variant == "no-alloc":
    patch("Cargo.toml", "[dependencies]\n", '[dependencies]\nsmallvec = "1"\n')
    patch("src/event/mod.rs", "attributes: Vec<(Name, AttributeValue)>,",
          "attributes: smallvec::SmallVec<[(Name, AttributeValue); 4]>,")
    patch("src/event/mod.rs", "attributes: Vec::new(),", "attributes: smallvec::SmallVec::new(),")
    patch("src/event/mod.rs", "attributes: Vec::with_capacity(capacity),",
          "attributes: smallvec::SmallVec::with_capacity(capacity),")
    patch("src/codec/http/fast.rs", "Direct::with_capacity(12)", "Direct::with_capacity(0)")
    patch("src/codec/http.rs", "/// Returns the first Content-Type of `headers`, and whether there is\n", """
pub fn decode_one_binary_owned(
    headers: &hyper::HeaderMap,
    body: Vec<u8>,
) -> Option<(Event, Vec<Violation>)> {
    let (ct, repeated) = map_content_type(headers);
    let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
    let (mut event, warnings) = fast::binary(pairs, ct, repeated)?;
    set_body(&mut event, Body::Owned(body));
    Some((event, warnings))
}

/// Returns the first Content-Type of `headers`, and whether there is
""")
    patch("benches/codec.rs",
          "|body| codec::http::decode_header_map_owned(black_box(&map), body),",
          "|body| codec::http::decode_one_binary_owned(black_box(&map), body),")
EOF
}

ROOT="$PWD"
BINARIES=()
for variant in "${BUILDS[@]}"; do
    if [ "$variant" = as-is ]; then
        log "building the codec bench as it is"
        binary="$(codec_bench_binary "$ROOT" "$ROOT/target")"
        cp "$binary" "$WORK/$variant"
        BINARIES+=("$variant: $binary")
        continue
    fi
    log "building it patched: $variant"
    mkdir "$WORK/tree-$variant"
    git archive HEAD | tar -x -C "$WORK/tree-$variant"
    patch_tree "$WORK/tree-$variant" "$variant"
    binary="$(codec_bench_binary "$WORK/tree-$variant" "$ROOT/target/bounds-$variant")"
    cp "$binary" "$WORK/$variant"
    BINARIES+=("$variant: $binary")
done

for round in $(seq "$ROUNDS"); do
    for variant in "${BUILDS[@]}"; do
        log "round $round/$ROUNDS: $variant"
        "$WORK/$variant" --bench --warm-up-time 1 --measurement-time "$MEASUREMENT" --noplot "$FILTER" 2>/dev/null |
            awk -v b="$variant" '
                /^http-binary-decode\// { name = $1 }
                /^ +time: +\[/ && name != "" {
                    v = $4; if ($5 == "µs") v *= 1000; if ($5 == "ms") v *= 1e6
                    print b, name, v; name = ""
                }' >> "$WORK/times"
    done
done

python3 - "$WORK/times" "${BUILDS[@]}" <<'EOF'
import collections, math, statistics, sys
builds = sys.argv[2:]
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    build, name, ns = line.split()
    _, lib, cls = name.split("/")
    times[(build, lib, cls)].append(float(ns))
median = {k: statistics.median(v) for k, v in times.items()}
classes = list(dict.fromkeys(k[2] for k in median))
print("| class | " + " | ".join(f"reference {b}" for b in builds)
      + " | cloudevents-sdk | " + " | ".join(f"SDK / {b}" for b in builds) + " |")
print("|---|" + "--:|" * (2 * len(builds) + 1))
ratios = {b: [] for b in builds}
for cls in classes:
    # The SDK's code is the same in every binary: its row is the median
    # over the runs of all of them, so noise in one build's SDK runs does
    # not pass for a change in that build's reference.
    sdk = statistics.median(sum((times[(b, "cloudevents-sdk", cls)] for b in builds), []))
    cells = [cls] + [f"{median[(b, 'reference', cls)]:.0f} ns" for b in builds] + [f"{sdk:.0f} ns"]
    for b in builds:
        r = sdk / median[(b, "reference", cls)]
        ratios[b].append(r)
        cells.append(f"{r:.2f}×")
    print("| " + " | ".join(cells) + " |")
geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print("\ngeomean SDK / reference: " + ", ".join(f"{b} {geo(ratios[b]):.2f}×" for b in builds))
EOF

# The builds stay in their target directories, for profiling one of them
# (benches/bench-notes.md runs callgrind on the no-alloc one).
echo
printf 'binary %s\n' "${BINARIES[@]}"
