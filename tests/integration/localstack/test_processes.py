"""The launchers of the real local components work from any directory with relative paths.

A new user's first command passes a relative report directory (``reports/surge-...``) down to
these launchers; ``redis-server --dir`` changes directory before it opens ``--logfile`` and the
AOF, so relative paths once made the main job fail on a fresh clone.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import redis

from exam_stack.localstack.processes import start_prometheus, start_redis

pytestmark = pytest.mark.timeout(60)


def test_redis_starts_from_a_relative_workdir_and_keeps_its_aof_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server = start_redis(Path("reports") / "run" / "redis")
    try:
        client = redis.Redis(host=server.host, port=server.port)
        assert client.set("k", "v")
        client.close()
        assert server.workdir.is_absolute()
        assert (tmp_path / "reports" / "run" / "redis" / "redis.log").is_file()
        assert any((tmp_path / "reports" / "run" / "redis").rglob("*.aof"))
    finally:
        server.stop()


def test_prometheus_starts_from_a_relative_workdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server = start_prometheus(Path("reports") / "run" / "prometheus", jobs={})
    try:
        ready = httpx.get(f"{server.url}/-/ready", timeout=5)
        assert ready.status_code == 200
        assert (tmp_path / "reports" / "run" / "prometheus" / "prometheus.yml").is_file()
    finally:
        server.stop()
