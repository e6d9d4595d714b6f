"""Launch the web pages with the services behind them, on free loopback ports.

``start_pages(workdir, redis_url, ...)`` starts identity (with a bootstrapped admin), the
assessment API (verifying identity's tokens through its JWKS, plus the dev issuer when asked),
notifications, analytics, optionally a grader worker, and the web service, each as its own
``assessment-engine`` process in its own session, with CORS allowing the web origin. It then
creates a proctor account and returns the URLs and credentials. Used by the browser tests
(``tests/browser/conftest.py``) and by the surge run, which prints the console URL. Every
process is stopped by PID in ``PagesStack.stop()``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from exam_stack.localstack.ports import free_port
from exam_stack.localstack.processes import ManagedProcess

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class PagesOptions:
    """What to start and how; the defaults suit one machine."""

    start_api: bool = True
    api_port: int | None = None
    worker: bool = True
    dev_issuer: bool = False
    fast_password_hashing: bool = False
    admin_password: str = "admin-password-1"  # noqa: S105 - a local account on loopback
    proctor_username: str = "proctor"
    proctor_password: str = "proctor-password-1"  # noqa: S105 - a local account on loopback
    proctor_org: str = "local"
    api_env: dict[str, str] = field(default_factory=dict)
    notify_env: dict[str, str] = field(default_factory=dict)
    # added to every process's environment (the surge run marks its processes with its run id)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class PagesStack:
    web_url: str
    api_url: str
    identity_url: str
    notifications_url: str
    analytics_url: str
    proctor: tuple[str, str]
    admin: tuple[str, str]
    processes: list[ManagedProcess]

    @property
    def console_url(self) -> str:
        return f"{self.web_url}/proctor/"

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=10)


def _spawn(
    name: str,
    args: list[str],
    env: dict[str, str],
    workdir: Path,
    port: int,
    common: dict[str, str] | None = None,
) -> ManagedProcess:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [sys.executable, "-m", "exam_stack.cli", *args],
            env={**os.environ, **(common or {}), **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ManagedProcess(name, process, "127.0.0.1", port, workdir, log_path)


def _wait_ready(process: ManagedProcess, timeout: float = 60.0) -> None:
    url = f"http://127.0.0.1:{process.port}/readyz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.name} exited at start:\n{process.log_tail()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} not ready after {timeout}s:\n{process.log_tail()}")


def _served(
    name: str,
    command: str,
    port: int,
    env: dict[str, str],
    workdir: Path,
    common: dict[str, str] | None = None,
) -> ManagedProcess:
    args = [command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return _spawn(name, args, env, workdir, port, common)


def _create_proctor(identity_url: str, options: PagesOptions) -> None:
    with httpx.Client(base_url=identity_url, timeout=30) as client:
        login = client.post(
            "/v1/login", json={"username": ADMIN_USERNAME, "password": options.admin_password}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        created = client.post(
            "/v1/users",
            headers=headers,
            json={
                "username": options.proctor_username,
                "password": options.proctor_password,
                "role": "proctor",
                "org": options.proctor_org,
                "display_name": "Proctor",
            },
        )
        if created.status_code not in (201, 409):
            raise RuntimeError(f"creating the proctor failed: {created.status_code} {created.text}")


def start_pages(workdir: Path, redis_url: str, options: PagesOptions | None = None) -> PagesStack:
    """Start the page stack; on failure stop what was started and re-raise."""
    options = options or PagesOptions()
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("identity", "notifications", "analytics", "web")}
    api_port = options.api_port or free_port()
    base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    api_url = f"http://127.0.0.1:{api_port}"
    issuer = base["identity"]
    jwks = f"{issuer}/.well-known/jwks.json"
    cors = json.dumps([base["web"]])
    started: list[ManagedProcess] = []
    try:
        identity_env = {
            "PLATFORM_IDENTITY_REDIS_URL": redis_url,
            "PLATFORM_IDENTITY_ISSUER": issuer,
            "PLATFORM_IDENTITY_CORS_ORIGINS": cors,
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USERNAME,
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": options.admin_password,
            "PLATFORM_IDENTITY_BOOTSTRAP_ADMIN_ORG": "platform",
            "PLATFORM_IDENTITY_LOGIN_ADDRESS_MAX_ATTEMPTS": "1000",
        }
        if options.fast_password_hashing:
            identity_env.update(
                {
                    "PLATFORM_IDENTITY_ARGON2_TIME_COST": "1",
                    "PLATFORM_IDENTITY_ARGON2_MEMORY_COST_KIB": "8",
                    "PLATFORM_IDENTITY_ARGON2_PARALLELISM": "1",
                }
            )
        identity = _served(
            "identity", "identity", ports["identity"], identity_env, workdir, options.env
        )
        started.append(identity)
        _wait_ready(identity)
        verify = {"JWKS_URL": jwks, "JWT_ISSUER": issuer}
        if options.start_api:
            api_env = {
                "ASSESSMENT_REDIS_URL": redis_url,
                "ASSESSMENT_CORS_ORIGINS": cors,
                "ASSESSMENT_DEV_ISSUER": "true" if options.dev_issuer else "false",
                **{f"ASSESSMENT_{k}": v for k, v in verify.items()},
                **options.api_env,
            }
            args = ["serve", "--host", "127.0.0.1", "--port", str(api_port)]
            started.append(_spawn("api", args, api_env, workdir, api_port, options.env))
        notify_env = {
            "PLATFORM_NOTIFY_REDIS_URL": redis_url,
            "PLATFORM_NOTIFY_CORS_ORIGINS": cors,
            "PLATFORM_NOTIFY_TAIL_BLOCK_MS": "200",
            "PLATFORM_NOTIFY_BACKLOG_INTERVAL_SECONDS": "1",
            **{f"PLATFORM_NOTIFY_{k}": v for k, v in verify.items()},
            **options.notify_env,
        }
        analytics_env = {
            "PLATFORM_ANALYTICS_REDIS_URL": redis_url,
            "PLATFORM_ANALYTICS_CORS_ORIGINS": cors,
            "PLATFORM_ANALYTICS_READ_BLOCK_MS": "200",
            **{f"PLATFORM_ANALYTICS_{k}": v for k, v in verify.items()},
        }
        web_env = {
            "PLATFORM_WEB_API_URL": api_url,
            "PLATFORM_WEB_IDENTITY_URL": base["identity"],
            "PLATFORM_WEB_NOTIFICATIONS_URL": base["notifications"],
            "PLATFORM_WEB_ANALYTICS_URL": base["analytics"],
        }
        for name, env in (
            ("notifications", notify_env),
            ("analytics", analytics_env),
            ("web", web_env),
        ):
            started.append(_served(name, name, ports[name], env, workdir, options.env))
        if options.worker:
            worker_env = {
                "ASSESSMENT_WORKER_REDIS_URL": redis_url,
                "ASSESSMENT_WORKER_CONCURRENCY": "1",
                "ASSESSMENT_WORKER_BLOCK_MS": "200",
                "SANDBOX_POOL_SIZE": "1",
            }
            started.append(_spawn("worker", ["worker"], worker_env, workdir, 0, options.env))
        for process in started:
            if process.port:
                _wait_ready(process)
        _create_proctor(base["identity"], options)
    except BaseException:
        for process in reversed(started):
            process.stop()
        raise
    return PagesStack(
        web_url=base["web"],
        api_url=api_url,
        identity_url=base["identity"],
        notifications_url=base["notifications"],
        analytics_url=base["analytics"],
        proctor=(options.proctor_username, options.proctor_password),
        admin=(ADMIN_USERNAME, options.admin_password),
        processes=started,
    )
