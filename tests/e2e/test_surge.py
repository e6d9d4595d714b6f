"""The main job end to end, run the way the README says: ``bash scripts/run-main.sh`` from the
repository root, default report directory (``reports/surge-<time>``), only shorter
``--students``/``--duration`` for time. Then the audit, and the what-if simulator calibrated
from the run predicting its key figures.

One module-scoped surge (overflow run + control run) feeds every test here; its report
directory is removed afterwards.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from exam_stack.simulation.controller import OperatorController, policy_from_overrides
from exam_stack.simulation.model import Calibration, simulate
from exam_stack.simulation.scenario import local_surge
from exam_stack.surge.stack import StackConfig, policy_document
from tests.e2e.leftovers import processes_marked, run_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

STUDENTS = 120
DURATION = 20.0


ROOT = Path(__file__).resolve().parents[2]
RUN = run_env()  # this module's environment and the token that finds its processes
REPORTS = ROOT / "reports"


def _report_dirs() -> set[Path]:
    return set(REPORTS.glob("surge-*")) if REPORTS.is_dir() else set()


CONSOLE_LINE = re.compile(
    r"(?P<label>\w+): watch the surge in the proctor console (?P<url>http://\S+/proctor/)\s+"
    r"\(sign in: (?P<user>\S+) / (?P<password>\S+)\)"
)


def _watch_console(url: str, user: str, password: str) -> dict[str, object]:
    """What a person gets from the printed console URL while the surge runs: the page, the
    proctor's sign-in, the surge's exam in their list, its monitor and its live stream."""
    seen: dict[str, object] = {}
    web = url.removesuffix("/proctor/")
    with httpx.Client(timeout=30) as client:
        page = client.get(url)
        seen["page"] = (page.status_code, page.headers.get("content-type", ""))
        config = client.get(f"{web}/config.json").json()
        login = client.post(
            f"{config['identity_url']}/v1/login", json={"username": user, "password": password}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        exams: list[dict[str, object]] = []
        deadline = time.monotonic() + 60
        while not exams and time.monotonic() < deadline:
            exams = client.get(f"{config['api_url']}/v1/exams", headers=headers).json()
            time.sleep(0.5)
        seen["exams"] = [e["title"] for e in exams]
        exam_id = exams[0]["exam_id"]
        states: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not states - {"not_started"}:
            roster = client.get(
                f"{config['api_url']}/v1/exams/{exam_id}/roster", headers=headers
            ).json()
            states = {row["state"] for row in roster["rows"]}
            time.sleep(0.5)
        seen["states"] = sorted(states)
        seen["roster"] = len(roster["rows"])
        events: list[str] = []
        with client.stream(
            "GET",
            f"{config['notifications_url']}/v1/exams/{exam_id}/monitor/stream",
            headers=headers,
            timeout=httpx.Timeout(30, read=15),
        ) as stream:
            seen["stream"] = stream.status_code
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    events.append(line.split(":", 1)[1].strip())
                if len(events) >= 5:
                    break
        seen["events"] = sorted(set(events))
    return seen


@pytest.fixture(scope="module")
def surge_run() -> Iterator[tuple[Path, dict[str, dict[str, object]]]]:
    before = _report_dirs()
    env, _ = RUN
    proc = subprocess.Popen(
        ["bash", "scripts/run-main.sh", "--students", str(STUDENTS), "--duration", str(DURATION)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output: list[str] = []
    consoles: dict[str, dict[str, object]] = {}

    def watch(match: re.Match[str]) -> None:
        try:
            consoles[match["label"]] = _watch_console(
                match["url"], match["user"], match["password"]
            )
        except Exception as exc:  # reported by the test that reads it
            consoles[match["label"]] = {"error": repr(exc)}

    watchers: list[threading.Thread] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        output.append(line)
        match = CONSOLE_LINE.search(line)
        if match and match["label"] == "overflow":
            watchers.append(threading.Thread(target=watch, args=(match,), daemon=True))
            watchers[-1].start()
    returncode = proc.wait(timeout=840)
    for watcher in watchers:
        watcher.join(timeout=120)
    created = sorted(_report_dirs() - before)
    text = "".join(output)
    assert returncode == 0, text[-4000:]
    assert len(created) == 1, created
    out = created[0]
    (out / "stdout.txt").write_text(text)
    yield out, consoles
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def surge_report(surge_run: tuple[Path, dict[str, dict[str, object]]]) -> Path:
    return surge_run[0]


def test_printed_console_url_watches_the_surge(
    surge_run: tuple[Path, dict[str, dict[str, object]]],
):
    """Issue #16 item 6: the URL the main job prints serves the proctor console; its proctor
    signs in through identity, sees the surge's exam, the simulated students' live states and
    the notifications stream the console listens to."""
    seen = surge_run[1].get("overflow")
    assert seen is not None, "the main job printed no console URL"
    assert "error" not in seen, seen
    status, content_type = seen["page"]  # type: ignore[misc]
    assert status == 200
    assert "text/html" in content_type
    assert seen["exams"] == ["SCI-101 end-of-term exam (surge run)"]
    assert seen["roster"] == STUDENTS
    assert set(seen["states"]) - {"not_started"}, seen["states"]  # type: ignore[arg-type]
    assert seen["stream"] == 200
    assert seen["events"], seen


def test_surge_audit_passes_for_both_runs(surge_report: Path):
    summary = json.loads((surge_report / "summary.json").read_text())
    assert set(summary) == {"overflow", "control"}
    for label, run in summary.items():
        assert run["audit_passed"], label
        assert run["stored"] >= run["acknowledged"] >= STUDENTS * 0.9, label
    assert summary["control"]["graded_by"].get("lambda", 0) == 0


def test_overflow_run_spilled_to_lambda(surge_report: Path):
    summary = json.loads((surge_report / "summary.json").read_text())
    assert summary["overflow"]["graded_by"].get("lambda", 0) > 0


def test_report_has_plots_and_the_audit(surge_report: Path):
    report = (surge_report / "report.md").read_text()
    assert "Audit PASSED" in report
    assert "Audit FAILED" not in report
    for png in ("utilization_overflow.png", "backlog.png", "time_to_grade.png"):
        assert (surge_report / png).stat().st_size > 10_000, png


def test_nothing_is_left_running(surge_report: Path):
    assert processes_marked(RUN[1]) == []


def test_simulator_calibrated_from_the_run_predicts_its_spill_share(surge_report: Path):
    """Stated error: the share of submissions graded by Lambda within ±0.25 (absolute)."""
    calibration = Calibration.model_validate(
        json.loads((surge_report / "calibration.json").read_text())
    )
    measured = json.loads((surge_report / "summary.json").read_text())["overflow"]
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
