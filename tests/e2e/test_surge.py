"""The main job end to end, run the way the README says: ``bash scripts/run-main.sh`` from the
repository root, default report directory (``reports/surge-<time>``), only shorter
``--students``/``--duration`` for time. Then the audit, and the what-if simulator calibrated
from the run predicting its key figures.

One module-scoped surge (overflow run + control run) feeds every test here; its report
directory is removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from exam_stack.simulation.controller import OperatorController, policy_from_overrides
from exam_stack.simulation.model import Calibration, simulate
from exam_stack.simulation.scenario import local_surge
from exam_stack.surge.stack import StackConfig, policy_document

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

STUDENTS = 120
DURATION = 20.0


ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"


def _report_dirs() -> set[Path]:
    return set(REPORTS.glob("surge-*")) if REPORTS.is_dir() else set()


@pytest.fixture(scope="module")
def surge_run() -> Iterator[Path]:
    before = _report_dirs()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAM_SURGE")}
    proc = subprocess.run(
        ["bash", "scripts/run-main.sh", "--students", str(STUDENTS), "--duration", str(DURATION)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        env=env,
        check=False,
    )
    created = sorted(_report_dirs() - before)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert len(created) == 1, created
    out = created[0]
    (out / "stdout.txt").write_text(proc.stdout + proc.stderr)
    yield out
    shutil.rmtree(out, ignore_errors=True)


def test_surge_audit_passes_for_both_runs(surge_run: Path):
    summary = json.loads((surge_run / "summary.json").read_text())
    assert set(summary) == {"overflow", "control"}
    for label, run in summary.items():
        assert run["audit_passed"], label
        assert run["stored"] >= run["acknowledged"] >= STUDENTS * 0.9, label
    assert summary["control"]["graded_by"].get("lambda", 0) == 0


def test_overflow_run_spilled_to_lambda(surge_run: Path):
    summary = json.loads((surge_run / "summary.json").read_text())
    assert summary["overflow"]["graded_by"].get("lambda", 0) > 0


def test_report_has_plots_and_the_audit(surge_run: Path):
    report = (surge_run / "report.md").read_text()
    assert "Audit PASSED" in report
    assert "Audit FAILED" not in report
    for png in ("utilization_overflow.png", "backlog.png", "time_to_grade.png"):
        assert (surge_run / png).stat().st_size > 10_000, png


def test_nothing_is_left_running(surge_run: Path):
    marker = b"EXAM_SURGE_RUN="
    leftovers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes():
                    leftovers.append(entry.name)
            except OSError:
                continue
    assert leftovers == []


def test_simulator_calibrated_from_the_run_predicts_its_spill_share(surge_run: Path):
    """Stated error: the share of submissions graded by Lambda within ±0.25 (absolute)."""
    calibration = Calibration.model_validate(
        json.loads((surge_run / "calibration.json").read_text())
    )
    measured = json.loads((surge_run / "summary.json").read_text())["overflow"]
    graded = sum(measured["graded_by"].values())
    measured_share = measured["graded_by"].get("lambda", 0) / graded
    doc = policy_document(StackConfig(), "http://unused")
    spec = {k: v for k, v in doc["spec"].items() if k != "prometheus"}
    controller = OperatorController("surge", policy_from_overrides(spec))
    predicted = simulate(
        local_surge(STUDENTS, DURATION, tail_s=120), calibration, controller, dt=0.25, seed=1
    )
    assert abs(predicted.lambda_share - measured_share) <= 0.25, (
        predicted.lambda_share,
        measured_share,
    )
