"""Identity and notifications as real uvicorn subprocesses (SSE needs a real server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from exam_stack.localstack.ports import free_port, wait_for_port

ISSUER = "http://identity.test"
ADMIN = ("root", "root-password-1")


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def spawn(factory: str, env: dict[str, str], log: Path) -> tuple[Served, int]:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                factory,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Served(f"http://127.0.0.1:{port}", process, log), port


def wait_ready(served: Served, port: int) -> None:
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        deadline = time.monotonic() + 30
        while httpx.get(f"{served.url}/readyz").status_code != 200:
            if time.monotonic() > deadline:
                raise TimeoutError("service never became ready")
            time.sleep(0.05)
    except Exception:
        served.stop()
        raise RuntimeError(f"{served.log.name} did not start:\n{served.log.read_text()}") from None


def start_notifications(
    redis_url: str, identity_url: str, log: Path, **notify: str
) -> tuple[Served, int]:
    """One notifications replica (not yet ready: pass it to ``wait_ready``)."""
    settings = {
        "PLATFORM_NOTIFY_REDIS_URL": redis_url,
        "PLATFORM_NOTIFY_JWKS_URL": f"{identity_url}/.well-known/jwks.json",
        "PLATFORM_NOTIFY_JWT_ISSUER": ISSUER,
        "PLATFORM_NOTIFY_TAIL_BLOCK_MS": "100",
        "PLATFORM_NOTIFY_BACKLOG_INTERVAL_SECONDS": "0.5",
        **{f"PLATFORM_NOTIFY_{k.upper()}": v for k, v in notify.items()},
    }
    return spawn("platform_services.notifications.app:create_app", settings, log)


def start_platform(redis_url: str, workdir: Path, **notify: str) -> tuple[Served, Served]:
    identity, identity_port = spawn(
        "platform_services.identity.app:create_app",
        {
            "PLATFORM_IDENTITY_REDIS_URL": redis_url,
            "PLATFORM_IDENTITY_ISSUER": ISSUER,
            "PLATFORM_IDENTITY_ARGON2_TIME_COST": "1",
            "PLATFORM_IDENTITY_ARGON2_MEMORY_COST_KIB": "8",
            "PLATFORM_IDENTITY_ARGON2_PARALLELISM": "1",
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_USERNAME": ADMIN[0],
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
        },
        workdir / "identity.log",
    )
    notifications, notify_port = start_notifications(
        redis_url, identity.url, workdir / "notifications.log", **notify
    )
    try:
        wait_ready(identity, identity_port)
        wait_ready(notifications, notify_port)
    except Exception:
        identity.stop()
        notifications.stop()
        raise
    return identity, notifications
