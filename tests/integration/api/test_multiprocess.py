"""Several API processes on one Redis: tokens minted by one verify in all (shared dev secret),
and a change made through one process is enforced by the next request to any other, although
each process caches exam definitions. Also ``serve --workers 2`` as real uvicorn workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from exam_stack.localstack.ports import free_port, wait_for_port

pytestmark = pytest.mark.slow


def _serve(tmp_path: Path, name: str, env: dict[str, str], *args: str) -> tuple[Any, str]:
    port = free_port()
    log = (tmp_path / f"{name}.log").open("wb")
    cli = Path(sys.executable).with_name("assessment-engine")
    process = subprocess.Popen(
        [str(cli), "serve", "--port", str(port), *args],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
    except TimeoutError:
        process.kill()
        raise AssertionError((tmp_path / f"{name}.log").read_text()) from None
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def two_processes(tmp_path: Path, redis_server_session: Any) -> Iterator[tuple[str, str]]:
    env = {
        "ASSESSMENT_REDIS_URL": redis_server_session.url,
        "ASSESSMENT_DEV_ISSUER": "true",
        "ASSESSMENT_DEV_ISSUER_SECRET": "shared-test-secret",
    }
    a, url_a = _serve(tmp_path, "a", env)
    b, url_b = _serve(tmp_path, "b", env)
    yield url_a, url_b
    for process in (a, b):
        process.terminate()
        process.wait(timeout=10)


def _token(client: httpx.Client, url: str, sub: str, role: str) -> dict[str, str]:
    response = client.post(f"{url}/v1/dev/tokens", json={"sub": sub, "role": role})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _exam(client: httpx.Client, url: str, proctor: dict[str, str]) -> str:
    now = datetime.now(UTC)
    created = client.post(
        f"{url}/v1/exams",
        json={
            "title": "multi",
            "bank": "::q:: Sky is blue {T}",
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(hours=2)).isoformat(),
            "time_limit_seconds": 3600,
            "roster": ["s1"],
        },
        headers=proctor,
    )
    assert created.status_code == 201, created.text
    exam_id: str = created.json()["exam_id"]
    return exam_id


def _deadline(client: httpx.Client, url: str, exam_id: str, student: dict[str, str]) -> datetime:
    response = client.get(f"{url}/v1/exams/{exam_id}/attempt", headers=student)
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["deadline"])


def test_a_change_through_one_process_is_enforced_by_the_next_request_to_another(
    two_processes: tuple[str, str],
) -> None:
    url_a, url_b = two_processes
    with httpx.Client(timeout=10) as client:
        proctor = _token(client, url_a, "p1", "proctor")  # minted by A
        student = _token(client, url_b, "s1", "student")  # minted by B
        exam_id = _exam(client, url_b, proctor)  # A's token verifies in B
        started = client.post(f"{url_a}/v1/exams/{exam_id}/attempt", headers=student)
        assert started.status_code == 201, started.text
        before = _deadline(client, url_b, exam_id, student)  # B caches the exam
        assert _deadline(client, url_a, exam_id, student) == before  # so does A

        change = client.put(
            f"{url_a}/v1/exams/{exam_id}/accommodations/s1",
            json={"time_multiplier": 1.0, "extra_seconds": 900, "reason": "approved"},
            headers=proctor,
        )
        assert change.status_code == 200, change.text
        assert _deadline(client, url_b, exam_id, student) == before + timedelta(seconds=900)

        patched = client.patch(
            f"{url_b}/v1/exams/{exam_id}", json={"time_limit_seconds": 600}, headers=proctor
        )
        assert patched.status_code == 200, patched.text
        shortened = _deadline(client, url_a, exam_id, student)
        assert shortened == before - timedelta(seconds=3000) + timedelta(seconds=900)

        submitted = client.post(
            f"{url_b}/v1/exams/{exam_id}/attempt/submit",
            headers={**student, "Idempotency-Key": "k1"},
        )
        assert submitted.status_code == 202, submitted.text
        again = client.post(
            f"{url_a}/v1/exams/{exam_id}/attempt/submit",
            headers={**student, "Idempotency-Key": "k1"},
        )
        assert again.status_code == 202, again.text
        assert again.json()["submission_id"] == submitted.json()["submission_id"]


def test_serve_with_two_workers_shares_one_dev_key(
    tmp_path: Path, redis_server_session: Any
) -> None:
    env = {"ASSESSMENT_REDIS_URL": redis_server_session.url, "ASSESSMENT_DEV_ISSUER": "true"}
    process, url = _serve(tmp_path, "workers", env, "--workers", "2")
    try:
        kids = set()
        for _ in range(12):  # fresh connections: requests reach both workers
            with httpx.Client(timeout=10) as client:
                jwks = client.get(f"{url}/v1/dev/jwks.json")
                assert jwks.status_code == 200, jwks.text
                kids.add(jwks.json()["keys"][0]["kid"])
                proctor = _token(client, url, "p1", "proctor")
                listing = client.get(f"{url}/v1/exams", headers=proctor)
                assert listing.status_code == 200, listing.text
        assert len(kids) == 1
    finally:
        process.terminate()
        process.wait(timeout=20)
