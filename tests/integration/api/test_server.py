"""Smoke test of ``assessment-engine serve`` in real uvicorn processes: one runs the dev issuer,
the other verifies its tokens through the JWKS URL only (as with the identity service)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from exam_stack.localstack.ports import free_port, wait_for_port

pytestmark = pytest.mark.slow


def _serve(
    tmp_path: Path, name: str, env: dict[str, str], port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    log = (tmp_path / f"{name}.log").open("wb")
    cli = Path(sys.executable).with_name("assessment-engine")
    process = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=20)
    except TimeoutError:
        process.kill()
        raise AssertionError((tmp_path / f"{name}.log").read_text()) from None
    return process, f"http://127.0.0.1:{port}"


@dataclass
class Servers:
    tmp_path: Path
    env: dict[str, str]
    issuer: subprocess.Popen[bytes]
    issuer_url: str
    verifier_url: str

    def restart_issuer(self) -> None:
        """A new issuer process on the same URL: a new Ed25519 key, a new kid (rotation)."""
        self.issuer.terminate()
        self.issuer.wait(timeout=10)
        port = int(self.issuer_url.rsplit(":", 1)[1])
        self.issuer, _ = _serve(self.tmp_path, "issuer2", self.env, port)


@pytest.fixture
def servers(tmp_path: Path, redis_server_session) -> Iterator[Servers]:
    common = {"ASSESSMENT_REDIS_URL": redis_server_session.url}
    issuer_env = {**common, "ASSESSMENT_DEV_ISSUER": "true"}
    issuer, issuer_url = _serve(tmp_path, "issuer", issuer_env)
    verifier, verifier_url = _serve(
        tmp_path,
        "verifier",
        {
            **common,
            "ASSESSMENT_JWKS_URL": f"{issuer_url}/v1/dev/jwks.json",
            "ASSESSMENT_JWKS_MIN_REFETCH_SECONDS": "0",
        },
    )
    handle = Servers(tmp_path, issuer_env, issuer, issuer_url, verifier_url)
    yield handle
    for process in (verifier, handle.issuer):
        process.terminate()
        process.wait(timeout=10)


def _mint(client: httpx.Client, issuer_url: str, sub: str, role: str) -> str:
    response = client.post(f"{issuer_url}/v1/dev/tokens", json={"sub": sub, "role": role})
    token: str = response.json()["access_token"]
    return token


def test_serve_runs_the_api_and_verifies_tokens_through_jwks(servers: Servers) -> None:
    issuer_url, verifier_url = servers.issuer_url, servers.verifier_url
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{verifier_url}/readyz").status_code == 200
        assert client.post(f"{verifier_url}/v1/dev/tokens", json={}).status_code == 404
        token = client.post(
            f"{issuer_url}/v1/dev/tokens", json={"sub": "p1", "role": "proctor"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        now = datetime.now(UTC)
        created = client.post(
            f"{verifier_url}/v1/exams",
            json={
                "title": "smoke",
                "bank": "::q:: Sky is blue {T}",
                "opens_at": (now - timedelta(minutes=1)).isoformat(),
                "closes_at": (now + timedelta(hours=1)).isoformat(),
                "roster": ["s1"],
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        student = client.post(
            f"{issuer_url}/v1/dev/tokens", json={"sub": "s1", "role": "student"}
        ).json()["access_token"]
        exam_id = created.json()["exam_id"]
        started = client.post(
            f"{verifier_url}/v1/exams/{exam_id}/attempt",
            headers={"Authorization": f"Bearer {student}"},
        )
        assert started.status_code == 201, started.text
        metrics = client.get(f"{verifier_url}/metrics").text
        assert 'route="/v1/exams/{exam_id}/attempt"' in metrics
        forged = client.get(f"{verifier_url}/v1/exams", headers={"Authorization": "Bearer x.y.z"})
        assert forged.status_code == 401

        servers.restart_issuer()  # key rotation: the verifier refetches on the unknown kid
        rotated = _mint(client, issuer_url, "p1", "proctor")
        listing = client.get(
            f"{verifier_url}/v1/exams", headers={"Authorization": f"Bearer {rotated}"}
        )
        assert listing.status_code == 200, listing.text
        assert [e["exam_id"] for e in listing.json()] == [exam_id]
