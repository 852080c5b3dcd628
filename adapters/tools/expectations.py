#!/usr/bin/env python3
"""Writes an adapter's known-failures file (src/target/expectations.rs format)
from a saved cespec report, and summarises its deviations.

    python3 adapters/tools/expectations.py REPORT.json SDK --targets T1,T2 --out FILE
    python3 adapters/tools/expectations.py REPORT.json SDK --targets T1,T2 --summary
    python3 adapters/tools/expectations.py REPORT.json SDK --targets T1,T2 --rules

REPORT.json may be several files separated by commas: the published matrix
is split by target (reports/conformance/report.TARGET.json).

Every result of the targets that is not a pass or a skip (fail, warn, info,
error) is listed, as `suite/case` when every result of the case fails on
every target, else as `suite/case@reply`. Each entry's reason names
the deviations of shared/reference/sdk-behaviours.md section 6 (D1..D15,
plus N1..N3 for behaviour that section does not list) and the rules the
harness blamed; the link is the upstream issue where section 4 gives one.

The deviation is read from the case id for the sdk-deviations suite (its
cases are named dNN-...), and otherwise from the rules and messages of the
result's findings, with the table RULE_TO_DEVIATION below. The output is
deterministic: no timestamps or values that change from run to run.
"""

import argparse
import collections
import json
import re
import sys

TITLES = {
    "D1": "Header percent-encoding (HTTP-HDR-*)",
    "D2": "Attributes synthesised on receipt",
    "D3": "Time fidelity and parsing (CORE-TIME-1)",
    "D4": "Mode detection (HTTP-MODE-*, KAFKA-MODE-*)",
    "D5": "Binary to structured data representation",
    "D6": "Structured to binary body encoding and Content-Type",
    "D7": "Extension value types",
    "D8": "Attribute-name validation (CORE-NAME-*)",
    "D9": "Required-attribute and value validation on receipt",
    "D10": "specversion handling (CORE-SV-*)",
    "D11": "Batch",
    "D12": "JSON null semantics",
    "D13": "Empty versus absent data",
    "D14": "data_base64 and JSON media types",
    "D15": "Header name case",
    "N1": "Not in sdk-behaviours section 6: repeated attributes (CORE-CTX-2)",
    "N2": "Not in sdk-behaviours section 6: ce-datacontenttype header (HTTP-BIN-2)",
    "N3": "Not in sdk-behaviours section 6: Kafka binding",
    "R1": "Robustness under hostile input (hostile-* suites): a 5xx, a crash or a hang where a 4xx or an accept was due",
    "other": "Other",
}

ORDER = list(TITLES)

# What each SDK does, per deviation, in the words of the reasons.
WHAT = {
    "python-sdk": {
        "D1": "ce- header values are percent-decoded, but escapes that decode to invalid UTF-8, control characters or noncharacters and malformed escapes are accepted, and quoted strings are not unwrapped",
        "D2": "time (now) is added on receipt when the input has none; a missing id is generated and a missing specversion defaulted",
        "D3": "time is kept to microseconds; some RFC 3339 forms are rejected and some ISO 8601 forms outside RFC 3339 accepted",
        "D4": "the mode is picked by the presence of any ce- header, not by Content-Type; a body without ce- headers is parsed as structured JSON whatever its type",
        "D5": "a binary-mode body that decodes as UTF-8 becomes string data (even application/octet-stream)",
        "D6": "binary bodies: JSON arrays, booleans and numbers written as Python repr, a JSON string datum unquoted, no Content-Type when datacontenttype is absent",
        "D7": "extension values: floats, objects and integers outside int32 accepted; Booleans written as True",
        "D8": "extension names are checked only partly (0.3 names starting with a digit accepted)",
        "D9": "source is not checked as a URI-reference; control characters and noncharacters in strings, and bad dataschema and datacontenttype values, are accepted",
        "D10": "a missing specversion defaults to 1.0",
        "D11": "no batch reader or writer",
        "D12": "subject: null is rejected; an explicit data: null is lost",
        "D13": "empty and absent data are confused",
        "D14": "data_base64 and +json media types are handled loosely",
        "D15": "header names are matched case-insensitively where the binding is case-sensitive",
        "N1": "a repeated attribute is accepted; one value wins",
        "N2": "a ce-datacontenttype header is accepted in binary mode",
        "N3": "Kafka: the record key becomes a partitionkey extension, header names are matched case-insensitively, a null value is accepted",
        "R1": "survives every hostile input the adapter can carry",
    },
    "js-sdk": {
        "D1": "nothing is percent-encoded or decoded: escapes stay literal on receipt, non-ASCII goes out raw (Latin-1) and characters above U+00FF make Node refuse the header",
        "D2": "time (now, millisecond precision) is added on receipt when the input has none; a missing specversion defaults to 1.0",
        "D3": "time is truncated to milliseconds and converted to UTC; an unparseable time is replaced by now (issue #386); date-only times are accepted",
        "D4": "media types are matched case-sensitively and with exact parameters; binary mode is detected by ce-id alone",
        "D5": "binary-mode JSON scalars become strings and +json bodies stay strings; JSON with leading whitespace is rejected",
        "D6": "binary output without datacontenttype is labelled application/json; charset=utf-8 (even data_base64 bytes), and Kafka binary repeats it as ce_datacontenttype; a JSON string datum is written unquoted",
        "D7": "floats, objects and integers outside int32 are accepted as extension values; objects go out as [object Object]",
        "D8": "extension names are not validated on receipt (upper case, _ and - accepted)",
        "D9": "nothing is validated on receipt (issue #597): empty or missing id, source and type, invalid URIs and control characters are accepted; an empty subject is silently dropped",
        "D10": "specversion 2.0 is accepted and a missing specversion defaults to 1.0",
        "D11": "batches are read but cannot be written",
        "D12": "an explicit data: null is lost",
        "D13": "an empty binary body becomes data \"\"",
        "D14": "data_base64 is decoded into a Uint32Array (PR #644); +json types are not parsed as JSON",
        "D15": "extensions whose header name is not lower case are dropped",
        "N1": "a repeated attribute is accepted; one value wins",
        "N2": "a ce-datacontenttype header is accepted in binary mode",
        "N3": "Kafka: Kafka.toEvent rejects a structured record without time (RangeError: Invalid time value) and a binary record with a null value; the key is kept as a Buffer",
        "R1": "strings with control characters or invalid UTF-8 are accepted and then cannot be written as headers (ERR_INVALID_CHAR, a 500), and JSON data nested 100,000 deep overflows the stack when written (RangeError)",
    },
    "rust-sdk": {
        "R1": "strings with NUL, CR or LF are accepted and then cannot be written as headers (the axum responder answers 500); the axum extractor answers 500 to a truncated or malformed chunked body; 100,000 extensions panic http's HeaderMap (MaxSizeReached) in the binary writer",
    },
}

GENERIC = {
    "D1": "ce- header values are not percent-encoded or decoded as the HTTP binding requires",
    "D2": "attributes the input did not carry are added on receipt",
    "D3": "time is not kept or parsed faithfully",
    "D4": "the content mode is not detected as the binding requires",
    "D5": "binary-mode data changes representation on the way to structured mode",
    "D6": "structured data is written to a binary body incorrectly",
    "D7": "extension value types are not checked or kept",
    "D8": "attribute names are not validated",
    "D9": "attribute values are not validated on receipt",
    "D10": "specversion is not handled as required",
    "D11": "batch mode is missing or wrong",
    "D12": "JSON null is not handled as required",
    "D13": "empty and absent data are confused",
    "D14": "data_base64 or JSON media types are mishandled",
    "D15": "header-name case changes what is read",
    "N1": "a repeated attribute is accepted",
    "N2": "a ce-datacontenttype header is accepted in binary mode",
    "N3": "the Kafka binding deviates",
    "R1": "a hostile input ends in a 5xx, a crash or a hang instead of a 4xx or an accept",
    "other": "deviates from the rule",
}

# Upstream issues (sdk-behaviours.md section 4), per SDK and deviation.
LINKS = {
    "python-sdk": {
        "D1": "https://github.com/cloudevents/spec/issues/777",
        "D6": "https://github.com/cloudevents/sdk-python/issues/291",
        "D11": "https://github.com/cloudevents/sdk-python/issues/130",
    },
    "rust-sdk": {
        "D1": "https://github.com/cloudevents/spec/issues/1397",
        "D11": "https://github.com/cloudevents/sdk-rust/pull/200",
        "D14": "https://github.com/cloudevents/sdk-rust/issues/160",
    },
    "js-sdk": {
        "D1": "https://github.com/cloudevents/spec/issues/1397",
        "D2": "https://github.com/cloudevents/sdk-javascript/issues/597",
        "D3": "https://github.com/cloudevents/sdk-javascript/issues/386",
        "D4": "https://github.com/cloudevents/sdk-javascript/issues/23",
        "D6": "https://github.com/cloudevents/sdk-javascript/issues/441",
        "D8": "https://github.com/cloudevents/sdk-javascript/pull/420",
        "D9": "https://github.com/cloudevents/sdk-javascript/issues/597",
        "D10": "https://github.com/cloudevents/sdk-javascript/issues/597",
        "D11": "https://github.com/cloudevents/sdk-javascript/issues/440",
        "D14": "https://github.com/cloudevents/sdk-javascript/pull/644",
    },
}

# A rule the harness blamed -> the deviation it belongs to (first match).
RULE_TO_DEVIATION = [
    (r"^HTTP-HDR-", "D1"),
    (r"^(CORE-TIME-1|CORE-TS-12)$", "D3"),
    (r"^(HTTP-MODE-|HTTP-STR-4$|KAFKA-MODE-)", "D4"),
    (r"^(JSON-DATA-(3|6)|HTTP-BIN-3)$", "D5"),
    (r"^(JSON-DATA-14|CORE-DCT-3|KAFKA-BIN-1|HTTP-BIN-1)$", "D6"),
    (r"^HTTP-BIN-5$", "N1"),
    (r"^HTTP-GEN-", "D4"),
    (r"^CORE-DATA-", "D13"),
    (r"^(CORE-TS-(3|4|5|8)|JSON-TM-|CORE-EXT-|JSON-EXT-)", "D7"),
    (r"^CORE-NAME-", "D8"),
    (r"^HTTP-BAT-", "D11"),
    (r"^(CORE-(ID|SRC|SUBJ|TYPE|DS)-|CORE-TS-(6|7|9|10|11)$|CORE-DCT-(1|2)$|CORE-CTX-(1|3)$|JSON-ENV-|JSON-UNK-|HTTP-STR-)", "D9"),
    (r"^CORE-SV-", "D10"),
    (r"BATCH", "D11"),
    (r"^JSON-NULL-", "D12"),
    (r"^JSON-DATA-(4|8|9|10|11|12|13)$", "D14"),
    (r"^CORE-CTX-2$", "N1"),
    (r"^HTTP-BIN-2$", "N2"),
    (r"^KAFKA-", "N3"),
]


def deviation_of_rule(rule):
    for pattern, dev in RULE_TO_DEVIATION:
        if re.search(pattern, rule):
            return dev
    return "other"


def deviations(result):
    """Returns the deviations a failing result shows, strongest evidence first."""
    case = result["case"]
    # The hostile suites test survival, not a spec rule: their failures are
    # robustness findings whatever rules the case cites.
    if case.startswith("hostile-"):
        return ["R1"]
    m = re.match(r"sdk-deviations/d(\d\d)-", case)
    named = "D%d" % int(m.group(1)) if m else None
    found = []
    message = result.get("message", "")
    if result["status"] == "error" or not result.get("findings"):
        if "could not encode" in message or "encode failed" in message:
            found.append("D1" if "ERR_INVALID_CHAR" in message else "other")
    kafka = result.get("reply", "") and result["reply"].startswith("kafka") or "kafka" in case
    for f in result.get("findings") or []:
        rule, text = f["rule"], f["message"]
        added = re.match(r"^([\w.]+): not expected", text)
        changed = re.match(r"^([\w.]+): (expected|precision lost)", text)
        if added:
            name = added.group(1)
            if name in ("time", "id"):
                found.append("D2")
            elif name == "specversion":
                found.append("D10")
            elif name == "partitionkey":
                found.append("N3")
            elif name == "datacontenttype":
                found.append("D6")
            else:
                found.append("D7" if "ext" in name else "D9")
        elif changed and not text.startswith("data:"):
            name = changed.group(1)
            if name == "time":
                found.append("D3")
            elif case.startswith(("http-percent-encoding/", "http-binary/")) or "%" in text:
                found.append("D1")
            elif name in ("id", "source", "subject", "type", "dataschema", "datacontenttype"):
                found.append("D9")
            else:
                found.append("D7")
        elif text.startswith("data:"):
            if "null" in text:
                found.append("D12")
            elif "expected no data" in text:
                found.append("D13")
            elif (
                "base64" in case
                or "json" in case.split("/")[-1] and "+" in case
                or "JSON-DATA-4" in result.get("rules", [])
            ):
                # data_base64, or a case about which media types are JSON.
                found.append("D14")
            elif result.get("reply", "") in ("http-binary", "kafka-binary"):
                found.append("D6")
            else:
                found.append("D5")
        elif "Invalid time value" in text or "Value is null or undefined" in text:
            found.append("N3" if kafka else deviation_of_rule(rule))
        else:
            found.append(deviation_of_rule(rule))
    # A case written for deviation Dn (sdk-deviations/dNN-...) is that
    # deviation when the target accepted what it had to reject (the case's
    # own rules are then blamed) or when the findings agree; when the echo
    # differs in another way (time added to a D15 case), the findings say
    # which deviation it is.
    accepted_invalid = any(
        f["message"].startswith("accepted a message that breaks")
        for f in result.get("findings") or []
    )
    if named and (accepted_invalid or named in found or not found or found == ["other"]):
        found.insert(0, named)
    out = []
    for d in found:
        if d not in out:
            out.append(d)
    return out or ["other"]


def rules(result):
    out = []
    for f in result.get("findings") or []:
        if f["rule"] not in out:
            out.append(f["rule"])
    if not out:
        out = list(result.get("rules") or [])[:3]
    return out


def reason(sdk, devs, rule_ids, status):
    what = WHAT.get(sdk, {}).get(devs[0], GENERIC.get(devs[0], "deviates"))
    level = {"warn": " SHOULD", "info": " MAY", "error": " error"}.get(status, "")
    also = ""
    if len(devs) > 1:
        also = " (also %s)" % ", ".join(devs[1:])
    return "%s [%s]%s: %s%s" % (devs[0], ", ".join(rule_ids[:5]), level, what, also)


def load(paths):
    """Reads one report, or several (a report split by target with
    `cespec report --split-targets`), as one: their results and rule
    coverage together."""
    reports = []
    for path in paths.split(","):
        with open(path, encoding="utf-8") as f:
            reports.append(json.load(f))
    report = reports[0]
    for other in reports[1:]:
        report["results"] = report["results"] + other["results"]
        known = {r["id"] for r in report["coverage"]["rules"]}
        report["coverage"]["rules"] += [r for r in other["coverage"]["rules"] if r["id"] not in known]
    return report


def failing_results(report, targets):
    return [r for r in report["results"]
            if r["target"] in targets and r["status"] not in ("pass", "skip")]


def entries(report, sdk, targets):
    """Returns [(deviation, case-or-name, reason, link, targets-or-None)] and
    the names listed only for some targets (they pass on the others)."""
    by_case = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in report["results"]:
        if r["target"] in targets and r["status"] != "skip":
            by_case[r["case"]][r["target"]].append(r)
    out, conflicts = [], []
    for case in sorted(by_case):
        per_target = by_case[case]
        failing = [r for rs in per_target.values() for r in rs if r["status"] != "pass"]
        if not failing:
            continue
        # A case-level entry covers every reply, including one that passes
        # while another fails (the runner then leaves the passing one
        # alone). Use one only when every result of the case fails, on
        # every target, so that a reply that starts passing is noticed.
        every_result_fails = all(r["status"] != "pass" for rs in per_target.values() for r in rs)
        if every_result_fails:
            groups = {case: failing}
        else:
            groups = collections.defaultdict(list)
            for r in failing:
                name = case + ("@" + r["reply"] if r.get("reply") else "")
                groups[name].append(r)
        # A name that fails on some targets sharing the file and passes on
        # others gets a `targets:` list of the failing ones.
        only_on = {}
        for name, rs in groups.items():
            passing = [r for rs2 in per_target.values() for r in rs2
                       if r["status"] == "pass" and name in (case, case + ("@" + r["reply"] if r.get("reply") else ""))]
            if passing:
                only_on[name] = sorted({r["target"] for r in rs})
                conflicts.append(name)
        for name, rs in groups.items():
            devs, rule_ids = [], []
            worst = "info"
            for r in rs:
                for d in deviations(r):
                    if d not in devs:
                        devs.append(d)
                for x in rules(r):
                    if x not in rule_ids:
                        rule_ids.append(x)
                if ["info", "warn", "error", "fail"].index(r["status"]) > ["info", "warn", "error", "fail"].index(worst):
                    worst = r["status"]
            link = LINKS.get(sdk, {}).get(devs[0])
            out.append((devs[0], name, reason(sdk, devs, rule_ids, worst), link, only_on.get(name)))
    return out, conflicts


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def write_file(sdk, targets, items, out, report_path):
    lines = [
        "# Known failures of the %s adapter: every result of %s that is not a" % (sdk, ", ".join(targets)),
        "# pass (fail, warn, info, error) in cespec's embedded suites, grouped by",
        "# deviation (D1..D15 of shared/reference/sdk-behaviours.md section 6; N1..N3",
        "# are not in that section) and rule. Format: src/target/expectations.rs.",
        "# Generated by adapters/tools/expectations.py from a full run",
        "# (adapters/run-matrix.sh), then read through; see",
        "# reports/conformance/README.md for the findings with reproducing cases.",
        "#",
        "# An entry `suite/case` covers every reply encoding of the case; one with",
        "# `@reply` only that reply (used where another reply passes). The reason",
        "# starts with the deviation and the rules the harness blamed; `targets:`",
        "# limits an entry to the targets named (it passes on the others).",
        "",
        "known-failures:",
    ]
    by_dev = collections.defaultdict(list)
    for dev, name, why, link, only_on in items:
        by_dev[dev].append((name, why, link, only_on))
    for dev in ORDER:
        if dev not in by_dev:
            continue
        lines.append("")
        lines.append("  # --- %s: %s" % (dev, TITLES[dev]))
        for name, why, link, only_on in sorted(by_dev[dev], key=lambda x: x[:3]):
            lines.append("  - case: %s" % name)
            lines.append("    reason: %s" % quote(why))
            if link:
                lines.append("    link: %s" % link)
            if only_on:
                lines.append("    targets: [%s]" % ", ".join(only_on))
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def summary(report, sdk, targets):
    """Prints, per deviation: results, the rules blamed, and the shortest case."""
    rows = collections.defaultdict(lambda: {"results": 0, "rules": collections.Counter(), "cases": set()})
    for r in failing_results(report, targets):
        devs = deviations(r)
        row = rows[devs[0]]
        row["results"] += 1
        for x in rules(r):
            row["rules"][x] += 1
        row["cases"].add(r["case"])
    print("| Deviation | Results | Rules (most blamed first) | Minimal case |")
    print("|---|--:|---|---|")
    for dev in ORDER:
        if dev not in rows:
            continue
        row = rows[dev]
        own = "sdk-deviations/d%02d-" % int(dev[1:]) if dev.startswith("D") else "-"
        cases = sorted(row["cases"], key=lambda c: (not c.startswith(own), not c.startswith("sdk-deviations/"), len(c), c))
        top = ", ".join(r for r, _ in row["rules"].most_common(6))
        print("| %s | %d | %s | `%s` |" % (dev, row["results"], top, cases[0]))


def rule_table(report, sdk, targets):
    """Prints, per rule the SDK breaks: level, deviation, results, a minimal case, the link."""
    levels = {r["id"]: r["level"] for r in report["coverage"]["rules"]}
    rows = collections.defaultdict(lambda: {"results": 0, "devs": collections.Counter(), "cases": set()})
    for r in failing_results(report, targets):
        if r["status"] == "info":
            continue
        # Each finding is attributed on its own: a result can break
        # JSON-DATA-6 through D6 and CORE-TS-2 through D2 at once.
        findings = r.get("findings") or [{"rule": x, "message": r.get("message", "")}
                                          for x in list(r.get("rules") or [])[:1]]
        seen = set()
        for f in findings:
            if f["rule"] in seen:
                continue
            seen.add(f["rule"])
            row = rows[f["rule"]]
            row["results"] += 1
            row["devs"][deviations(dict(r, findings=[f]))[0]] += 1
            row["cases"].add(r["case"])
    print("| Rule | Level | Deviation | Results | Minimal case | Upstream |")
    print("|---|---|---|--:|---|---|")
    for rule in sorted(rows, key=lambda x: (levels.get(x, "MUST") != "MUST", x)):
        row = rows[rule]
        dev = row["devs"].most_common(1)[0][0]
        own = "sdk-deviations/d%02d-" % int(dev[1:]) if dev.startswith("D") else "-"
        case = sorted(row["cases"], key=lambda c: (not c.startswith(own), len(c), c))[0]
        link = LINKS.get(sdk, {}).get(dev)
        print("| %s | %s | %s | %d | `%s` | %s |" % (
            rule, levels.get(rule, "?"), dev, row["results"], case,
            "[link](%s)" % link if link else "none found"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("report", help="a saved report, or several separated by commas (one per target)")
    p.add_argument("sdk", help="python-sdk, js-sdk, rust-sdk (picks the reasons and links)")
    p.add_argument("--targets", required=True, help="comma-separated target names sharing the file")
    p.add_argument("--out", help="the expectations file to write")
    p.add_argument("--summary", action="store_true", help="print a Markdown table of deviations")
    p.add_argument("--rules", action="store_true", help="print a Markdown table of the rules broken")
    args = p.parse_args()
    report = load(args.report)
    targets = args.targets.split(",")
    if args.summary:
        summary(report, args.sdk, targets)
        return 0
    if args.rules:
        rule_table(report, args.sdk, targets)
        return 0
    items, conflicts = entries(report, args.sdk, targets)
    for c in conflicts:
        print("note: %s passes on one target and fails on another: listed with targets:" % c, file=sys.stderr)
    write_file(args.sdk, targets, items, args.out, args.report)
    print("%s: %d entries" % (args.out, len(items)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
