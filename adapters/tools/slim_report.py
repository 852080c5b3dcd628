#!/usr/bin/env python3
"""Shrinks a saved cespec report (JSON) so that the published matrix stays
small enough to commit and to open in a browser.

    python3 adapters/tools/slim_report.py FULL.json SLIM.json
    python3 adapters/tools/slim_report.py --lines PART.json PART.json

What goes, and why (the full report of a run of adapters/run-matrix.sh is
some 15 MB of JSON, mostly wire transcripts and long expected/actual texts):

- the wire transcript of every result that passed or was skipped, and of
  every known failure (an expected deviation, listed in the adapter's
  expectations file): `cespec run --case ID -v` shows it again;
- the transcript of any other result when it is longer than
  TRANSCRIPT_LIMIT bytes of JSON (the 64 KiB forwarding cases and the like);
- `expected`, `actual`, `message` and finding messages are cut to
  TEXT_LIMIT characters, with a note saying how much was cut;
- for a known failure (its deviation is written up in the adapter's
  expectations file and README), `expected` and `actual` go and the
  message, finding messages and the known-failure reason are cut to
  KNOWN_LIMIT characters; the rules, levels and status stay;
- the message of a passing result ("as expected"), which says nothing.

Every file published from it must stay under 2 MiB, the largest file the
repository keeps: adapters/run-matrix.sh publishes it split by target
(`cespec report --split-targets`), each part laid out again with --lines,
and the HTML as an index page plus a page per target.

The file is written with one result (one case, one rule) per line, so that
a change of the matrix is a readable diff.

Everything else (every result, status, rule, finding, known failure, the
coverage and the interop matrix) is kept, so the HTML and Markdown written
from the slim file by `cespec report` show the same matrix and deviations.
The slim file is still a valid report (report.schema.json).
"""

import json
import sys

TRANSCRIPT_LIMIT = 3000
TEXT_LIMIT = 400
KNOWN_LIMIT = 60


def clip(text, limit=TEXT_LIMIT):
    if not isinstance(text, str) or len(text) <= limit:
        return text
    return text[:limit] + " ... (%d more characters cut)" % (len(text) - limit)


def slim(report):
    for result in report.get("results", []):
        transcript = result.get("transcript")
        if transcript is not None:
            passed = result.get("status") in ("pass", "skip")
            known = result.get("known-failure") is not None
            if passed or known or len(json.dumps(transcript)) > TRANSCRIPT_LIMIT:
                del result["transcript"]
        known = result.get("known-failure")
        limit = TEXT_LIMIT
        if known is not None:
            limit = KNOWN_LIMIT
            result.pop("expected", None)
            result.pop("actual", None)
            known["reason"] = clip(known.get("reason"), limit)
        if result.get("status") == "pass" and known is None:
            result["message"] = ""
        for key in ("expected", "actual", "message"):
            if key in result:
                result[key] = clip(result[key], limit)
        for finding in result.get("findings", []):
            finding["message"] = clip(finding.get("message"), limit)
    return report


def main(argv):
    # --lines: only rewrite the layout (one result per line), for the
    # per-target parts `cespec report --split-targets` cuts from a slim file.
    only_layout = "--lines" in argv
    argv = [a for a in argv if a != "--lines"]
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        report = json.load(f)
    if not only_layout:
        report = slim(report)
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(lines(report))
    return 0


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lines(report):
    """The report as JSON with every member of a top-level list on a line."""
    parts = []
    for key, value in report.items():
        if isinstance(value, list) and value:
            inner = ",\n".join("  " + compact(v) for v in value)
            parts.append(" %s: [\n%s\n ]" % (compact(key), inner))
        elif key == "coverage" and isinstance(value, dict):
            sub = []
            for k, v in value.items():
                inner = ",\n".join("   " + compact(x) for x in v) if isinstance(v, list) else ""
                sub.append("  %s: [\n%s\n  ]" % (compact(k), inner) if inner else "  %s: %s" % (compact(k), compact(v)))
            parts.append(" %s: {\n%s\n }" % (compact(key), ",\n".join(sub)))
        else:
            parts.append(" %s: %s" % (compact(key), compact(value)))
    return "{\n" + ",\n".join(parts) + "\n}\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
