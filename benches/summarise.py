#!/usr/bin/env python3
"""Turn criterion's results of `cargo bench --bench codec` into ratio tables (Markdown).

Usage: python3 benches/summarise.py [CRITERION_DIR] [--json OUT.json] [--rounds DIR ...]

Reads every `<group>/<library>_<class>/new/{benchmark,estimates}.json` under CRITERION_DIR
(default: target/criterion), and prints, per group, one row per class with the median time
per iteration of each library and the ratios of the reference to each peer (peer time /
reference time: above 1 means the reference is faster). The goals of the benchmark issue are
checked at the end (met / missed). With --json it also writes the rows for `cespec report`
style charts: {"results": [{name, target, events-per-second, conformant}]}.

The medians are criterion's (bootstrapped) median of the per-iteration times; within a run
the reference and its peer are timed back to back by one binary, so each ratio is side by
side. --rounds names the criterion directories of further runs of the goals' rows (compare.sh
makes them with CRITERION_HOME): a goal's ratio on each class is then the median of that
class's ratio over every run, CRITERION_DIR's included, so that one disturbed row in one run
no longer decides a verdict; the tables stay those of CRITERION_DIR, and a table per goal
gives every run's ratio.
"""

import argparse
import json
import pathlib
import statistics
import sys

LIBS = [
    "reference",
    "reference-borrowed",
    "reference-read-data",
    "reference-simd",
    "cloudevents-sdk",
    "serde-struct",
]
# Rows that validate nothing: measured for comparison, never ranked.
NOT_CODECS = {"serde-struct", "floor-keep", "floor-spans", "floor-tokenize", "serde-syntax", "simd-json-tape"}
CLASS_ORDER = [
    "minimal",
    "core",
    "extensions-30",
    "data-1kib",
    "data-64kib",
    "binary",
    "batch-1",
    "batch-10",
    "batch-100",
    "batch-1000",
]
GROUP_ORDER = [
    "json-decode",
    "json-decode-floor",
    "json-encode",
    "batch-decode",
    "batch-encode",
    "http-binary-decode",
    "http-binary-decode-floor",
    "http-binary-encode",
    "kafka-binary-decode",
    "kafka-binary-encode",
]


def load(root: pathlib.Path):
    """Returns {group: {class: {lib: (median_ns, elements, bytes)}}}."""
    out = {}
    for bench in root.glob("*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        lib, _, cls = meta["function_id"].partition("/")
        tp = meta.get("throughput") or {}
        eb = tp.get("ElementsAndBytes") or {}
        median = est["median"]["point_estimate"]
        out.setdefault(meta["group_id"], {}).setdefault(cls, {})[lib] = (
            median,
            eb.get("elements", 1),
            eb.get("bytes", 0),
        )
    return out


def fmt_time(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def order(items, known):
    return sorted(items, key=lambda x: (known.index(x) if x in known else len(known), x))


# Each floor group: the group of the codec it bounds, the peer the goal
# measures against there, and the floor that bounds the reference as it is
# built (src/codec/floor.rs): the JSON reference keeps its values as slices
# of the body it shares, so it need copy no text (floor-spans); the HTTP
# one copies what it cannot move (floor-keep). The floor group times only
# the floors; the peer's and the reference's times come from the codec's
# group of the same run.
FLOORS = {
    "json-decode-floor": ("json-decode", "serde-struct", "floor-spans"),
    "http-binary-decode-floor": ("http-binary-decode", "cloudevents-sdk", "floor-keep"),
}
FLOOR_ROWS = ["floor-keep", "floor-spans", "floor-tokenize", "serde-syntax", "simd-json-tape"]


def time_of(data, group, cls, lib):
    row = data.get(group, {}).get(cls, {}).get(lib)
    return row[0] if row else None


def ceiling(data, floor, cls):
    """peer / the group's floor on `cls`: the ratio a decoder reaches against
    the goal's peer if every check were free; None when not measured."""
    codec, peer, bound = FLOORS[floor]
    peer_ns, floor_ns = time_of(data, codec, cls, peer), time_of(data, floor, cls, bound)
    return peer_ns / floor_ns if peer_ns and floor_ns else None


def floors(data, name) -> str:
    """A floor group: how close to the peer a decoder could get if checking
    the rules cost nothing (the ceiling: peer / the group's floor)."""
    group = data.get(name)
    if not group:
        return ""
    codec, peer, bound = FLOORS[name]
    shown = [l for l in FLOOR_ROWS if any(l in row for row in group.values())]
    lines = [
        f"### {name}\n",
        f"| class | {peer} ({codec}) | " + " | ".join(shown) + f" | reference ({codec}) "
        f"| ceiling: {peer} / {bound} | reference / {bound} |",
        "|---|" + "--:|" * (len(shown) + 4),
    ]
    ceilings = []
    for cls in order(group, CLASS_ORDER):
        peer_ns = time_of(data, codec, cls, peer)
        ref_ns = time_of(data, codec, cls, "reference")
        floor_ns = time_of(data, name, cls, bound)
        cells = [cls, fmt_time(peer_ns) if peer_ns else "–"]
        cells += [fmt_time(group[cls][l][0]) if l in group[cls] else "–" for l in shown]
        cells.append(fmt_time(ref_ns) if ref_ns else "–")
        c = ceiling(data, name, cls)
        if c:
            ceilings.append(c)
        cells.append(f"**{c:.2f}×**" if c else "–")
        cells.append(f"{ref_ns / floor_ns:.2f}×" if ref_ns and floor_ns else "–")
        lines.append("| " + " | ".join(cells) + " |")
    if ceilings:
        lines.append("")
        lines.append(
            f"Ceiling over the classes (geomean of {peer} / {bound}): **{geomean(ceilings):.2f}×**; "
            f"lowest {min(ceilings):.2f}×. A decoder that keeps what an event must keep reaches at most "
            f"this ratio against {peer} if checking every rule cost nothing."
        )
    lines.append("")
    return "\n".join(lines)


def tables(data) -> str:
    lines = []
    for group in order(data, GROUP_ORDER):
        if group in FLOORS:
            lines.append(floors(data, group))
            continue
        classes = data[group]
        libs = [l for l in LIBS if any(l in c for c in classes.values())]
        libs += sorted({l for c in classes.values() for l in c} - set(libs))
        peers = [l for l in libs if l != "reference"]
        lines.append(f"### {group}\n")
        head = ["class", "input bytes"] + [f"{l} (median)" for l in libs]
        head += [f"{p} / reference" for p in peers]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * 2 + "--:|" * (len(libs) + len(peers)))
        for cls in order(classes, CLASS_ORDER):
            row = classes[cls]
            size = next(iter(row.values()))[2]
            cells = [cls, f"{size:,}"]
            cells += [fmt_time(row[l][0]) if l in row else "–" for l in libs]
            ref = row.get("reference")
            for p in peers:
                if ref and p in row:
                    cells.append(f"**{row[p][0] / ref[0]:.2f}×**")
                else:
                    cells.append("–")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def ratio(data, group, cls, peer, ours="reference"):
    try:
        return data[group][cls][peer][0] / data[group][cls][ours][0]
    except KeyError:
        return None


def geomean(values):
    values = [v for v in values if v]
    if not values:
        return None
    product = 1.0
    for v in values:
        product *= v
    return product ** (1 / len(values))


SINGLES = ["minimal", "core", "extensions-30", "data-1kib", "data-64kib", "binary"]


def ratio_over_runs(runs, group, cls, peer, ours="reference"):
    """The median over `runs` (the main run first) of `peer / ours` on
    `cls`; None when no run measured both."""
    values = [v for v in (ratio(d, group, cls, peer, ours) for d in runs) if v]
    return statistics.median(values) if values else None


def over_runs(runs) -> str:
    """With one run, nothing; with more, how each run's ratio read, per goal
    row: the spread the medians of `goals` are taken over."""
    if len(runs) < 2:
        return ""
    lines = [
        f"Goal ratios over {len(runs)} runs of their rows (run 1 is the run of the tables above; "
        "a goal's figure takes each class's median):\n"
    ]
    for group, peer, classes in GOAL_ROWS:
        head = ["class"] + [f"run {i + 1}" for i in range(len(runs))] + ["median"]
        lines.append(f"{group}, {peer} / reference:\n")
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|---|" + "--:|" * (len(runs) + 1))
        per_run = [[] for _ in runs]
        for cls in classes:
            values = [ratio(d, group, cls, peer) for d in runs]
            for i, v in enumerate(values):
                per_run[i].append(v)
            med = ratio_over_runs(runs, group, cls, peer)
            cells = [cls] + [f"{v:.2f}×" if v else "–" for v in values]
            cells.append(f"**{med:.2f}×**" if med else "–")
            lines.append("| " + " | ".join(cells) + " |")
        if len(classes) > 1:
            means = [geomean(r) if all(r) else None for r in per_run]
            meds = [ratio_over_runs(runs, group, c, peer) for c in classes]
            cells = ["geomean"] + [f"{m:.2f}×" if m else "–" for m in means]
            cells.append(f"**{geomean(meds):.2f}×**" if all(meds) else "–")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


# The rows each goal reads: (group, peer, classes).
GOAL_ROWS = [
    ("json-decode", "cloudevents-sdk", SINGLES),
    ("json-decode", "serde-struct", SINGLES),
    ("batch-decode", "cloudevents-sdk", ["batch-100"]),
    ("http-binary-decode", "cloudevents-sdk", SINGLES),
    ("http-binary-encode", "cloudevents-sdk", SINGLES),
]


def goal_filter() -> str:
    """The criterion filter that selects the rows of GOAL_ROWS, for
    compare.sh's further runs (one list of the goals' rows, here)."""
    alternatives = []
    for group, peer, classes in GOAL_ROWS:
        rows = f"{group}/(reference|{peer})/"
        if classes != SINGLES:
            rows += "(" + "|".join(classes) + ")$"
        alternatives.append(rows)
    return "^(" + "|".join(dict.fromkeys(alternatives)) + ")"


def goals(runs) -> str:
    """The goals' verdicts, each ratio the median over `runs` (the main run
    first, whose floors give the ceilings)."""
    data = runs[0]
    rows = []
    over = f"; median of {len(runs)} runs" if len(runs) > 1 else ""

    def add(goal, target, measured, detail):
        if measured is None:
            rows.append(f"| {goal} | ≥ {target}× | – | not measured |")
            return
        verdict = "met" if measured >= target else "**missed**"
        rows.append(f"| {goal} | ≥ {target}× | {measured:.2f}× ({detail}{over}) | {verdict} |")

    for ours in ["reference", "reference-simd"]:
        sdk = [ratio_over_runs(runs, "json-decode", c, "cloudevents-sdk", ours) for c in SINGLES]
        plain = [ratio_over_runs(runs, "json-decode", c, "serde-struct", ours) for c in SINGLES]
        if not any(sdk):
            continue
        worst = min((v, c) for v, c in zip(sdk, SINGLES) if v)
        add(
            f"structured JSON decode, {ours} vs cloudevents-sdk",
            3.0,
            geomean(sdk),
            f"geomean of 6 classes; lowest {worst[0]:.2f}× on {worst[1]}",
        )
        worst = min((v, c) for v, c in zip(plain, SINGLES) if v)
        top = geomean([ceiling(data, "json-decode-floor", c) for c in SINGLES])
        add(
            f"structured JSON decode, {ours} vs fixed-schema serde struct",
            1.5,
            geomean(plain),
            f"geomean of 6 classes; lowest {worst[0]:.2f}× on {worst[1]}"
            + (f"; ceiling if every check were free {top:.2f}×, see json-decode-floor" if top else ""),
        )
    add(
        "batch of 100 decode vs cloudevents-sdk",
        4.0,
        ratio_over_runs(runs, "batch-decode", "batch-100", "cloudevents-sdk"),
        "batch-100",
    )
    for g in ["http-binary-decode", "http-binary-encode"]:
        vals = [ratio_over_runs(runs, g, c, "cloudevents-sdk") for c in SINGLES]
        if any(vals):
            worst = min((v, c) for v, c in zip(vals, SINGLES) if v)
            at_target = sum(1 for v in vals if v and v >= 2.0)
            floor = f"{g}-floor"
            top = geomean([ceiling(data, floor, c) for c in SINGLES]) if floor in FLOORS else None
            # The body is classified on first read of the data; this is
            # the ratio when the receiver reads it (src/event/lazy_data.rs).
            read = [ratio_over_runs(runs, g, c, "cloudevents-sdk", "reference-read-data") for c in SINGLES]
            add(
                f"{g} vs cloudevents-sdk",
                2.0,
                geomean(vals),
                f"geomean of 6 classes; {at_target} of 6 at 2× or more; lowest {worst[0]:.2f}× on {worst[1]}"
                + (f"; {geomean(read):.2f}× when the data is read too" if all(read) else "")
                + (f"; ceiling if every check were free {top:.2f}×, see {floor}" if top else ""),
            )
    head = "| goal | target | measured (peer time / reference time) | verdict |\n|---|--:|---|---|"
    return head + "\n" + "\n".join(rows) + "\n"


def chart_rows(data):
    results = []
    for group in order(data, GROUP_ORDER):
        for cls, row in data[group].items():
            for lib, (ns, elements, _) in row.items():
                results.append(
                    {
                        "name": f"{group}/{cls}",
                        "target": lib,
                        "events-per-second": elements / (ns / 1e9),
                        # The raw-parser baseline and the floors validate
                        # nothing: charted, never ranked.
                        "conformant": lib not in NOT_CODECS,
                    }
                )
    return {"results": results}


def main(argv):
    parser = argparse.ArgumentParser(
        description="Ratio tables and goal verdicts from criterion's results of the codec bench."
    )
    parser.add_argument("root", nargs="?", default="target/criterion", help="criterion's directory")
    parser.add_argument("--json", metavar="OUT", help="also write chart rows to OUT")
    parser.add_argument(
        "--rounds",
        nargs="+",
        default=[],
        metavar="DIR",
        help="criterion directories of further runs of the goals' rows",
    )
    parser.add_argument(
        "--goal-filter",
        action="store_true",
        help="print the criterion filter that selects the goals' rows, and stop",
    )
    args = parser.parse_args(argv)
    if args.goal_filter:
        print(goal_filter())
        return
    runs = []
    for root in [args.root] + args.rounds:
        data = load(pathlib.Path(root))
        if not data:
            sys.exit(f"summarise.py: no criterion results under {root}")
        runs.append(data)
    print(goals(runs))
    print(tables(runs[0]))
    print(over_runs(runs))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(chart_rows(runs[0]), indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
