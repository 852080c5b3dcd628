# Shell functions for the bench scripts that build the codec bench from
# other trees (ab-patch.sh); sourced, not run.

# Builds the codec bench from the tree at $1 into the target directory $2
# (further arguments go to cargo, such as --locked) and prints the path of
# its binary; when the build fails, prints nothing on standard output and
# the end of cargo's messages (all of them are in $2/build.log) on standard
# error. Each tree needs a target directory of its own: cargo names a
# package's artifacts the same from any tree, so a shared one could hand
# one build's binary back as another's.
codec_bench_binary() {
    local tree="$1" target="$2"
    shift 2
    mkdir -p "$target"
    (cd "$tree" && CARGO_TARGET_DIR="$target" cargo bench "$@" --bench codec --no-run \
        --message-format=json 2>"$target/build.log" ||
        { tail -n 40 "$target/build.log" >&2; echo "(all of it: $target/build.log)" >&2; }) |
        python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "codec" and m.get("executable"):
        print(m["executable"])'
}
