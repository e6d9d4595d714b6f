"""The chaos surge end to end, run the way the README says: ``bash scripts/run-main.sh --chaos``
(short cohort and exam, no control run, for time). During the overflow run every component is
killed with SIGKILL once — an API process, a grader worker mid-grading, the dispatcher, the
operator, redis-server, the local Lambda service, one of its execution environments
mid-invoke, Prometheus — and restarted; the audit must still pass, and the report's own data
must show every component killed and recovered.

Everything is real: redis-server with its AOF replayed on restart, prometheus, the Lambda
service with awslambdaric environments, the API, workers and dispatcher as processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exam_stack.surge.chaos import COMPONENTS
from tests.e2e.leftovers import processes_marked, run_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

STUDENTS = 150
DURATION = 30.0
ROOT = Path(__file__).resolve().parents[2]
RUN = run_env()  # this module's environment and the token that finds its processes
REPORTS = ROOT / "reports"


def _report_dirs() -> set[Path]:
    return set(REPORTS.glob("surge-*")) if REPORTS.is_dir() else set()


@pytest.fixture(scope="module")
def chaos_run() -> Iterator[tuple[int, Path, str]]:
    before = _report_dirs()
    env, _ = RUN
    proc = subprocess.run(
        [
            "bash",
            "scripts/run-main.sh",
            "--students",
            str(STUDENTS),
            "--duration",
            str(DURATION),
            "--no-control",
            "--chaos",
            "--chaos-seed",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        timeout=560,
        check=False,
    )
    created = sorted(_report_dirs() - before)
    assert len(created) == 1, (created, proc.stdout[-4000:])
    yield proc.returncode, created[0], proc.stdout
    shutil.rmtree(created[0], ignore_errors=True)


def _summary(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "summary.json").read_text())["overflow"])


def test_chaos_run_passes_its_audit(chaos_run: tuple[int, Path, str]):
    returncode, out, stdout = chaos_run
    run = _summary(out)
    assert run["audit_passed"], stdout[-4000:]
    assert run["passed"], stdout[-4000:]
    assert returncode == 0, stdout[-4000:]
    assert run["duplicate_results"] == 0
    assert run["stored"] >= run["acknowledged"] >= STUDENTS * 0.9
    # the spill ran through the kills: some submissions graded by Lambda
    assert run["graded_by"].get("lambda", 0) > 0


def test_every_component_killed_and_recovered(chaos_run: tuple[int, Path, str]):
    _, out, _ = chaos_run
    chaos = _summary(out)["chaos"]
    assert chaos["complete"]
    assert set(chaos["killed"]) == set(COMPONENTS)
    assert set(chaos["recovered"]) == set(COMPONENTS)
    killed = [e for e in chaos["events"] if e["cause"] == "killed"]
    assert sorted(e["component"] for e in killed) == sorted(COMPONENTS)
    for event in killed:
        assert event["restarted_at"] is not None, event
        assert event["killed_at"] <= event["restarted_at"] <= event["recovered_at"], event
        assert event["time_to_recover_s"] == pytest.approx(
            event["recovered_at"] - event["killed_at"]
        )
    by_component = {e["component"]: e for e in killed}
    assert "mid-invoke" in by_component["lambda-env"]["detail"]
    assert "died with it" in by_component["operator"]["detail"]


def test_report_shows_the_chaos_timeline_and_recovery_table(chaos_run: tuple[int, Path, str]):
    _, out, _ = chaos_run
    report = (out / "report.md").read_text()
    assert "Audit PASSED" in report
    assert "## Chaos: kills and recoveries" in report
    assert "every component was killed (SIGKILL) and recovered" in report
    for component in COMPONENTS:
        assert f"| {component} | killed |" in report, component
    for png in ("utilization_overflow.png", "backlog.png"):
        assert (out / png).stat().st_size > 10_000, png


def test_nothing_is_left_running(chaos_run: tuple[int, Path, str]):
    """The restarted processes (and redis/prometheus started again) are stopped too."""
    assert processes_marked(RUN[1]) == []
