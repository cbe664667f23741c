"""Runs the shared Kustomize conformance corpus and fails if the score drops.

The corpus lives beside the project (../shared/conformance) and is never copied in; the
test is skipped where it is absent. Only byte-exact output and expected errors count:
a merely "semantic" match is a miss to fix.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import LAMINA

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT.parent / "shared" / "conformance" / "score"
FLOOR_FILE = ROOT / "tests" / "conformance_floor.json"
# A case's score must not depend on how busy the machine is: no per-case time limit to speak of.
_NO_TIME_LIMIT = 24 * 3600


@pytest.mark.skipif(not SCORER.exists(), reason="../shared/conformance is not present")
def test_conformance_score_does_not_drop(tmp_path: Path) -> None:
    report = tmp_path / "report.tsv"
    # The scorer runs the command through the shell: quote it (a venv path may hold a space).
    cmd = f"{shlex.join(LAMINA)} build {{flags}} {{dir}}"
    proc = subprocess.run(
        [sys.executable, str(SCORER), "--cmd", cmd, "--report", str(report),
         "--jobs", str(os.cpu_count() or 2), "--timeout", str(_NO_TIME_LIMIT)],
        capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with report.open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    counted = [r for r in rows if r["result"] in ("exact", "error-ok")]
    misses = sorted(r["case"] + " (" + r["result"] + ")" for r in rows
                    if r["result"] not in ("exact", "error-ok"))
    floor = json.loads(FLOOR_FILE.read_text())["exact_or_error_ok"]
    assert len(counted) >= floor, (
        f"conformance fell to {len(counted)} of {len(rows)} (recorded floor {floor}); "
        f"misses: {', '.join(misses)}")
