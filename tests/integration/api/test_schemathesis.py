"""Schemathesis (its own CLI, every check) against the live API: ``assessment-engine serve`` on a
free loopback port, a real redis-server, and real identity-service tokens for a proctor and a
student (the identity service as a uvicorn subprocess, verified through its JWKS).

Each role's run fuzzes every operation of ``/openapi.json`` with a fixed seed, deterministic
generation and no example database (reproducible in CI), a bounded number of examples per
operation, and fails on any 5xx, undocumented status, response schema mismatch, wrong content
type or any other check of ``--checks all``. The path parameter ``exam_id`` is an exam that
exists, one per role (the student is on its roster with a running attempt), so the runs get
past 404 into the routes' own logic. The student's run records every response (HAR) and none
may carry the planted answer keys or unreleased feedback (``test_no_key_material``'s markers).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from exam_stack.localstack.ports import free_port, wait_for_port
from exam_stack.localstack.processes import start_redis
from tests.integration.api.test_no_key_material import FEEDBACK_MARKERS, KEY_MARKERS, planted_bank
from tests.integration.platform.conftest import people
from tests.integration.platform.processes import ISSUER, spawn, wait_ready

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
MAX_EXAMPLES = 25
SEED = 20261204
CHECKS = "all"


@dataclass
class Stack:
    api_url: str
    tokens: dict[str, str]
    exam_ids: dict[str, str]  # per role: the proctor's run may close or delete its exam
    workdir: Path


def _serve_api(workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = workdir / "api.log"
    cli = Path(sys.executable).with_name("assessment-engine")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
    except TimeoutError:
        process.kill()
        process.wait(timeout=5)
        raise AssertionError(log.read_text()) from None
    return process, f"http://127.0.0.1:{port}"


def _seed(api_url: str, tokens: dict[str, str], ids: dict[str, str]) -> str:
    """An open exam with the planted bank, the student on its roster with a running attempt."""
    proctor = {"Authorization": f"Bearer {tokens['proctor']}"}
    student = {"Authorization": f"Bearer {tokens['alice']}"}
    now = datetime.now(UTC)
    with httpx.Client(base_url=api_url, timeout=30) as client:
        created = client.post(
            "/v1/exams",
            headers=proctor,
            json={
                "title": "Fuzzed",
                "bank": planted_bank(),
                "format": "json",
                "opens_at": (now - timedelta(minutes=5)).isoformat(),
                "closes_at": (now + timedelta(hours=6)).isoformat(),
                "time_limit_seconds": 5 * 3600,
                "roster": [ids["alice"], ids["bob"]],
                "release_policy": "manual",
            },
        )
        assert created.status_code == 201, created.text
        exam_id: str = created.json()["exam_id"]
        started = client.post(f"/v1/exams/{exam_id}/attempt", headers=student)
        assert started.status_code == 201, started.text
        saved = client.put(
            f"/v1/exams/{exam_id}/attempt/answers/p-sa",
            headers=student,
            json={"seq": 1, "answer": "wrong"},
        )
        assert saved.status_code == 200, saved.text
    return exam_id


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("schemathesis")
    redis = start_redis(workdir / "redis", appendfsync="no")
    identity, identity_port = spawn(
        "platform_services.identity.app:create_app",
        {
            "PLATFORM_IDENTITY_REDIS_URL": redis.url,
            "PLATFORM_IDENTITY_ISSUER": ISSUER,
            "PLATFORM_IDENTITY_ARGON2_TIME_COST": "1",
            "PLATFORM_IDENTITY_ARGON2_MEMORY_COST_KIB": "8",
            "PLATFORM_IDENTITY_ARGON2_PARALLELISM": "1",
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_USERNAME": "root",
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": "root-password-1",
        },
        workdir / "identity.log",
    )
    api = None
    try:
        wait_ready(identity, identity_port)
        api, api_url = _serve_api(
            workdir,
            {
                "ASSESSMENT_REDIS_URL": redis.url,
                "ASSESSMENT_JWKS_URL": f"{identity.url}/.well-known/jwks.json",
                "ASSESSMENT_JWT_ISSUER": ISSUER,
                "ASSESSMENT_DEV_ISSUER": "false",
                "ASSESSMENT_SWEEPER_ENABLED": "false",
            },
        )
        tokens, ids = asyncio.run(people(identity.url, "fuzz"))
        exam_ids = {role: _seed(api_url, tokens, ids) for role in ("proctor", "alice")}
        yield Stack(api_url, tokens, exam_ids, workdir)
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=10)
        identity.stop()
        redis.stop()


def _run(
    stack: Stack, role: str, name: str, *selection: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``schemathesis run`` with the role's bearer token (``selection``: its filter options);
    returns the process and the report directory."""
    reports = stack.workdir / f"report-{name}"
    config = stack.workdir / f"schemathesis-{name}.toml"
    config.write_text(
        f'[parameters]\n"path.exam_id" = "{stack.exam_ids[role]}"\n\n'
        "[checks.positive_data_acceptance]\n"
        # 422 for rules JSON Schema cannot say; schemathesis_hooks refuses validation_error
        'expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]\n'
    )
    cli = Path(sys.executable).with_name("schemathesis")
    command = [
        str(cli),
        "--config-file",
        str(config),
        "run",
        f"{stack.api_url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--header",
        f"Authorization: Bearer {stack.tokens[role]}",
        "--report",
        "har,junit",
        "--report-dir",
        str(reports),
        "--report-har-path",
        str(reports / "responses.har"),
        "--no-color",
        "--request-timeout",
        "30",
        *selection,
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.integration.api.schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, env=env, cwd=ROOT
    )
    return done, reports


def _operations(stdout: str) -> tuple[int, int]:
    """(selected, tested) operations from the CLI's summary."""
    selected = re.search(r"Selected: (\d+)/\d+", stdout)
    tested = re.search(r"Tested: (\d+)", stdout)
    assert selected, stdout[-3000:]
    assert tested, stdout[-3000:]
    return int(selected.group(1)), int(tested.group(1))


def _documented_operations(stack: Stack) -> list[tuple[str, str]]:
    document = httpx.get(f"{stack.api_url}/openapi.json").json()
    return [(m, p) for p, ops in document["paths"].items() for m in ops]


def _summary(done: subprocess.CompletedProcess[str], stack: Stack) -> str:
    api_log = (stack.workdir / "api.log").read_text()[-4000:]
    return f"{done.stdout[-20000:]}\n{done.stderr[-4000:]}\n--- api.log ---\n{api_log}"


def test_schemathesis_all_checks_with_a_proctor_token(stack: Stack) -> None:
    done, _ = _run(stack, "proctor", "proctor")
    assert done.returncode == 0, _summary(done, stack)
    selected, tested = _operations(done.stdout)
    assert tested == selected == len(_documented_operations(stack)), done.stdout[-3000:]


SUBMIT = r"/attempt/submit$"


def test_schemathesis_all_checks_with_a_student_token_and_no_key_material(stack: Stack) -> None:
    """Every operation but submit first (so questions and autosave run on a live attempt),
    then submit and what follows it: the stored submission and the result."""
    entries = []
    for name, selection in (
        ("student", ("--exclude-path-regex", SUBMIT)),
        ("student-submit", ("--include-path-regex", r"/attempt/(submit|submission|result)$")),
    ):
        done, reports = _run(stack, "alice", name, *selection)
        assert done.returncode == 0, _summary(done, stack)
        entries += json.loads((reports / "responses.har").read_text())["log"]["entries"]
    assert len(entries) > 100, "the student runs sent too few requests to mean anything"
    questions_seen = [
        e
        for e in entries
        if e["request"]["url"].endswith("/attempt/questions") and e["response"]["status"] == 200
    ]
    assert questions_seen, "the student run never read its questions: the scan would be empty"
    receipts = [e for e in entries if e["response"]["status"] == 202]
    assert receipts, "the student run never submitted"
    found = []
    for entry in entries:
        text = entry["response"].get("content", {}).get("text", "")
        headers = json.dumps(entry["response"].get("headers", []))
        for name, marker in {**KEY_MARKERS, **FEEDBACK_MARKERS}.items():
            if marker in text or marker in headers:
                found.append((entry["request"]["method"], entry["request"]["url"], name))
    assert found == []
