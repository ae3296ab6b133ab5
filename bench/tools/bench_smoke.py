#!/usr/bin/python3
"""Smoke test of the benchmark suite (ctest -L bench, registered with -DSLUICE_BENCH_SMOKE=ON):
runs `run-bench --quick` once and checks that the report has every table with a row for every
contender, and figures (not a "not run" line) for the floor and sluiced. It asserts no timing:
the figures of a shared machine are not a pass/fail matter.

  bench_smoke.py RUN_BENCH BUILD_DIR
"""

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# Every table of the report, each by its heading and the contenders it must have a row for.
TABLES = {
    "## Targets (issue 7)": (),
    "### 1a. Sequential (1 client)": ("baseline", "floor", "sluiced", "opensnitchd"),
    "### 1b. 8 parallel clients": ("baseline", "floor", "sluiced", "opensnitchd"),
    "## Scenario 2: UDP new flows": ("baseline", "floor", "sluiced", "opensnitchd"),
    "## Scenario 3: established flows (iperf3)": ("baseline", "floor", "sluiced", "opensnitchd"),
    "## Scenario 4: attribution under a crowd": ("baseline", "floor", "sluiced", "opensnitchd"),
    "## Scenario 5: rules at scale": ("sluiced",),
    "## Scenario 6: idle": ("floor", "sluiced", "opensnitchd"),
}
TARGETS = ("S1 sequential: sluiced ≥ 80 %", "S1 sequential: sluiced's added p99",
           "S1 sequential: sluiced ≥ 5× opensnitchd", "S3: sluiced's TCP throughput",
           "S3: sluiced's UDP throughput", "S3: 0 packets queued",
           "S5: sluiced with 10k rules within 10 %", "S6: sluiced under 1 wakeup/s",
           "S6: sluiced RSS under 20 MB")
# Contenders that always exist here, so their rows must hold figures.
MUST_MEASURE = ("baseline", "floor", "sluiced")


def table_after(report, heading):
    """The rows of the first Markdown table after `heading`."""
    start = report.index(heading)
    rows = []
    for line in report[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
        elif line.startswith("#"):
            break
    return rows


def main():
    run_bench, build = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-smoke-") as workdir:
        out = Path(workdir) / "report.md"
        result = subprocess.run([sys.executable, run_bench, "--quick", "--build", build,
                                 "--out", str(out)],
                                capture_output=True, text=True, timeout=560)
        if result.returncode != 0 or not out.exists():
            print(result.stdout[-3000:], result.stderr[-3000:])
            print(f"FAIL: run-bench exited {result.returncode} without a report")
            return 1
        report = out.read_text()
        raw = json.loads(out.with_suffix(".json").read_text())
    for heading, contenders in TABLES.items():
        if heading not in report:
            failures.append(f"no table '{heading}'")
            continue
        rows = table_after(report, heading)
        if len(rows) < 2 or not re.fullmatch(r"\|(---\|)+", rows[1]):
            failures.append(f"'{heading}' is not followed by a Markdown table")
            continue
        for name in contenders:
            row = next((r for r in rows[2:] if r.startswith(f"| {name} |")), None)
            if row is None:
                failures.append(f"'{heading}' has no row for {name}")
            elif name in MUST_MEASURE and "not run" in row:
                failures.append(f"'{heading}': {name} has no figures: {row}")
    targets = "\n".join(table_after(report, "## Targets (issue 7)"))
    for target in TARGETS:
        if target not in targets:
            failures.append(f"target '{target}' missing from the targets table")
    for error in raw.get("errors", []):
        if error.startswith(MUST_MEASURE):
            failures.append(f"run-bench reported: {error}")
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        print(report)
        return 1
    print(f"bench smoke: {len(TABLES)} tables, {len(TARGETS)} targets present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
