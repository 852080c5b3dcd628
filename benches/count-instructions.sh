#!/usr/bin/env bash
# Instructions per decode and per HTTP binary encode, the reference beside
# its peers, counted by
# callgrind (benches/bench-notes.md quotes these counts). Instruction counts
# do not move with the machine's load as times do, so they show what one
# change saves where wall-clock differences of a few percent are noise.
#
# Builds examples/instructions.rs in release (the bench's profile), runs each
# row CALLS times under `valgrind --tool=callgrind`, collecting only inside
# the row's measured function (decode and drop, or encode and drop), and
# prints the count per call, per class, with the peer / reference ratios.
# About two minutes on 2 cores after the release build (data-64kib through
# the SDK is most of it).
#
# Usage: bash benches/count-instructions.sh [CLASS...]   (default: all six)
# Environment: CALLS (500; the counts move by well under 1% from 500 to 2000)
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS="${CALLS:-500}"
CLASSES=("$@")
[ ${#CLASSES[@]} -gt 0 ] || CLASSES=(minimal core extensions-30 data-1kib data-64kib binary)
command -v valgrind >/dev/null || { echo "count-instructions: valgrind is not installed (Debian package valgrind)" >&2; exit 2; }

cargo build --release --locked --example instructions >&2
PROGRAM=target/release/examples/instructions

# Prints the instructions per call of row $1 on class $2.
count() {
    local log
    log="$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect='*measured_*' "$PROGRAM" "$1" "$2" "$CALLS" 2>&1)" || {
        echo "count-instructions: $1 $2 failed:" >&2
        echo "$log" >&2
        exit 1
    }
    # "==PID== Collected : N" is what was counted inside the measured calls.
    echo "$log" | awk -v calls="$CALLS" '/Collected :/ { gsub(",", "", $NF); printf "%.0f\n", $NF / calls }'
}

echo "Instructions per call (callgrind, $CALLS calls; decode and drop, encode and drop), $(date -u +%F)"
echo
echo "| class | json-decode reference | cloudevents-sdk | serde-struct | sdk / reference | struct / reference | http-binary-decode reference | cloudevents-sdk | sdk / reference | http-binary-encode reference | cloudevents-sdk | sdk / reference |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for class in "${CLASSES[@]}"; do
    jr="$(count json-decode/reference "$class")"
    js="$(count json-decode/cloudevents-sdk "$class")"
    jp="$(count json-decode/serde-struct "$class")"
    hr="$(count http-binary-decode/reference "$class")"
    hs="$(count http-binary-decode/cloudevents-sdk "$class")"
    er="$(count http-binary-encode/reference "$class")"
    es="$(count http-binary-encode/cloudevents-sdk "$class")"
    awk -v c="$class" -v jr="$jr" -v js="$js" -v jp="$jp" -v hr="$hr" -v hs="$hs" -v er="$er" -v es="$es" 'BEGIN {
        printf "| %s | %d | %d | %d | %.2f× | %.2f× | %d | %d | %.2f× | %d | %d | %.2f× |\n", c, jr, js, jp, js / jr, jp / jr, hr, hs, hs / hr, er, es, es / er
    }'
done
