"""Start and stop the real distro binaries (redis-server, prometheus) in a private directory.

Each launcher returns a handle with its URL and a ``stop()``; a missing binary raises
``MissingBinaryError`` naming the apt command that installs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from exam_stack.localstack.ports import free_port, wait_for_port

APT_PACKAGES = {"redis-server": "redis-server", "prometheus": "prometheus"}


class MissingBinaryError(RuntimeError):
    """A distro package the local stack needs is not installed."""

    def __init__(self, binary: str) -> None:
        package = APT_PACKAGES.get(binary, binary)
        super().__init__(
            f"{binary!r} is not installed; install it with: "
            f"sudo apt-get update && sudo apt-get install -y {package}"
        )
        self.binary = binary


def require_binary(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise MissingBinaryError(binary)
    return path


@dataclass
class ManagedProcess:
    """A child process started by a launcher; ``stop()`` is idempotent."""

    name: str
    process: subprocess.Popen[bytes]
    host: str
    port: int
    workdir: Path
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)

    def kill9(self) -> None:
        """SIGKILL, as a crash would: no shutdown hooks, no final fsync."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class RedisServer(ManagedProcess):
    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


def start_redis(
    workdir: Path, *, port: int | None = None, appendfsync: str = "always", timeout: float = 10.0
) -> RedisServer:
    """Start ``redis-server`` with AOF on (``appendfsync always`` by default) in ``workdir``.

    Restarting with the same ``workdir`` (and port) replays the AOF, which is how the
    durability tests check that an acknowledged submission survives ``kill -9``.
    """
    binary = require_binary("redis-server")
    # absolute: redis-server changes into --dir before it opens --logfile and the AOF
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_path = workdir / "redis.log"
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(workdir),
        "--appendonly",
        "yes",
        "--appendfsync",
        appendfsync,
        "--save",
        "",
        "--daemonize",
        "no",
        "--logfile",
        str(log_path),
        "--protected-mode",
        "yes",
    ]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
    server = RedisServer("redis", process, "127.0.0.1", port, workdir, log_path)
    try:
        wait_for_port("127.0.0.1", port, timeout)
        _wait_redis_loaded(port, timeout)
    except TimeoutError:
        server.stop()
        raise RuntimeError(f"redis-server did not start:\n{server.log_tail()}") from None
    return server


def _wait_redis_loaded(port: int, timeout: float) -> None:
    import redis  # local import: only needed here

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if client.ping():
                    return
            except (redis.BusyLoadingError, redis.ConnectionError):
                if time.monotonic() > deadline:
                    raise TimeoutError("redis still loading") from None
                time.sleep(0.02)
    finally:
        client.close()


@dataclass
class PrometheusServer(ManagedProcess):
    config_path: Path = Path()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def set_targets(self, jobs: dict[str, list[str]], scrape_interval: str = "1s") -> None:
        """Rewrite the scrape config and reload (SIGHUP); ``jobs``: job name -> host:port list."""
        write_prometheus_config(self.config_path, jobs, scrape_interval)
        self.process.send_signal(signal.SIGHUP)


def write_prometheus_config(path: Path, jobs: dict[str, list[str]], scrape_interval: str) -> None:
    config = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "scrape_configs": [
            {
                "job_name": job,
                "scrape_interval": scrape_interval,
                "scrape_timeout": scrape_interval,
                "static_configs": [{"targets": targets}],
            }
            for job, targets in sorted(jobs.items())
        ],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def start_prometheus(
    workdir: Path,
    jobs: dict[str, list[str]],
    *,
    scrape_interval: str = "1s",
    port: int | None = None,
    timeout: float = 20.0,
) -> PrometheusServer:
    """Start ``prometheus`` scraping ``jobs`` every ``scrape_interval``, storage in ``workdir``."""
    binary = require_binary("prometheus")
    workdir = workdir.resolve()  # prometheus gets absolute paths for its files too
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config_path = workdir / "prometheus.yml"
    write_prometheus_config(config_path, jobs, scrape_interval)
    log_path = workdir / "prometheus.log"
    args = [
        binary,
        f"--config.file={config_path}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1d",
        "--log.level=warn",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ},
        )
    server = PrometheusServer(
        "prometheus", process, "127.0.0.1", port, workdir, log_path, config_path=config_path
    )
    try:
        _wait_http_ready(f"{server.url}/-/ready", timeout)
    except TimeoutError:
        server.stop()
        raise RuntimeError(f"prometheus did not start:\n{server.log_tail()}") from None
    return server


def _wait_http_ready(url: str, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(url)
        time.sleep(0.05)
