#!/usr/bin/env bash
# The one command that reproduces reports/conformance/ from a clean checkout:
#
#   adapters/run-matrix.sh            # install the SDKs, run, write reports/conformance/
#   adapters/run-matrix.sh --check    # the same into a temporary directory (CI):
#                                     # fails on drift, leaves the committed files alone
#   adapters/run-matrix.sh --debug    # debug builds of cespec and the Rust adapter
#                                     # (same verdicts, minutes less to build; CI)
#
# 1. installs the three SDKs at their pinned versions: a Python virtual
#    environment (pip install -r requirements.txt), npm ci from the lock
#    file, and cargo build --release of the Rust adapter (--locked);
# 2. builds cespec (release, or debug with --debug; CESPEC=path/to/cespec
#    skips the build);
# 3. runs the whole corpus against every target of adapters/targets.yaml
#    in one run, with the interop matrix (--interop), each target judged
#    against its expectations file with --strict-expectations: an unlisted
#    failure fails the run, and so does a listed failure that now passes;
# 4. writes, from that one run, slimmed (adapters/tools/slim_report.py)
#    and split by target: report.html (an index page) with a page per
#    target, report.TARGET.json per target, and report.md.
#
# Exits with cespec's code: 0 when every SDK behaved as its expectations
# file says, 1 on drift, 5 when an adapter broke. Needs python3 (>= 3.10,
# with venv), node >= 20 with npm, and a Rust toolchain. On a 2-core machine:
# about 6 minutes for the cold release build of the Rust adapter, a minute
# or two for cespec, under 30 seconds for the run itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

out="reports/conformance"
profile=release
for arg in "$@"; do
    case "$arg" in
        --check)
            out="$(mktemp -d)"
            trap 'rm -rf "$out"' EXIT
            ;;
        --debug) profile=debug ;;
        *)
            echo "usage: adapters/run-matrix.sh [--check] [--debug]" >&2
            exit 2
            ;;
    esac
done
# adapters/rust-sdk/adapter (the command in targets.yaml) runs this build.
export RUST_SDK_ADAPTER_PROFILE="$profile"

echo "== installing the SDKs"
adapters/python-sdk/install.sh
adapters/js-sdk/install.sh
if [ "$profile" = debug ]; then
    adapters/rust-sdk/install.sh --debug
else
    adapters/rust-sdk/install.sh
fi

if [ -z "${CESPEC:-}" ]; then
    echo "== building cespec ($profile)"
    if [ "$profile" = debug ]; then
        cargo build --locked --quiet
    else
        cargo build --release --locked --quiet
    fi
    CESPEC="${CARGO_TARGET_DIR:-$root/target}/$profile/cespec"
fi

echo "== running the matrix"
mkdir -p "$out"
full="$(mktemp)"
log="$(mktemp)"
set +e
# The whole corpus: the conformance suites, the bench inputs and the
# hostile-* suites (robustness: a 4xx or an accept, never a 5xx, crash or
# hang; their failures are the R1 entries of the expectations files).
# --timeout 20s, not the default 5s: CI runs debug builds of cespec and the
# Rust adapter on two shared cores, where the 100,000-header hostile cases
# took over 5 s once while another build ran. 20 s still catches a hang.
"$CESPEC" run --targets adapters/targets.yaml --interop --strict-expectations \
    --timeout 20s --quiet --color never --json "$full" >"$log" 2>&1
code=$?
set -e
# The log lists every known failure (thousands of lines); show the summary
# and whatever is not as expected.
grep -E '^(interop:|test result)' "$log" || true
grep -E '^test \[' "$log" | grep -v -E '\.\.\. (ok|info)$|\.\.\. skipped|\(known failure\)' | head -200 || true
if [ "$code" -ne 0 ] && [ ! -s "$full" ]; then
    tail -40 "$log" >&2
fi
rm -f "$log"

# Only a finished run wrote a report; a usage or load error did not.
if [ -s "$full" ]; then
    slim="$(mktemp)"
    python3 adapters/tools/slim_report.py "$full" "$slim"
    # Split by target, so that every file stays under 2 MiB: report.html
    # is an index page (matrix, interop, coverage, deviations) linking one
    # page per target (report.TARGET.html), and the JSON is one report per
    # target (report.TARGET.json; `cespec report --merge` joins them).
    rm -f "$out"/report.*.html "$out"/report.*.json "$out/report.json"
    "$CESPEC" report "$slim" --split-targets --out "$out/report.html" 2>/dev/null
    "$CESPEC" report "$slim" --split-targets --out "$out/report.json" 2>/dev/null
    for part in "$out"/report.*.json; do
        python3 adapters/tools/slim_report.py --lines "$part" "$part"
    done
    "$CESPEC" report "$slim" --format markdown --out "$out/report.md"
    rm -f "$slim"
    echo "== wrote $out/report.html, report.md and per target report.TARGET.html, report.TARGET.json"
fi
rm -f "$full"
if [ "$code" -ne 0 ]; then
    echo "run-matrix: cespec exited with $code: an SDK no longer behaves as its expectations file says (see above)" >&2
fi
exit "$code"
