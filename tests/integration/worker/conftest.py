"""Real ``assessment-engine worker`` subprocesses against the session Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from exam_stack.localstack.ports import free_port, wait_for_port
from exam_stack.localstack.processes import RedisServer

CLI = Path(sys.executable).with_name("assessment-engine")


@dataclass
class WorkerProcess:
    worker_id: str
    process: subprocess.Popen[bytes]
    metrics_port: int
    log_path: Path

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).text

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill9(self) -> None:
        """SIGKILL the worker and its grading pool (its own process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)


StartWorker = Callable[..., WorkerProcess]


@pytest.fixture
def start_worker(redis_server_session: RedisServer, tmp_path: Path) -> Iterator[StartWorker]:
    started: list[WorkerProcess] = []

    def start(worker_id: str, **settings: object) -> WorkerProcess:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSESSMENT_")}
        env.update({f"ASSESSMENT_WORKER_{k.upper()}": str(v) for k, v in settings.items()})
        log_path = tmp_path / f"{worker_id}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(CLI),
                    "worker",
                    "--redis-url",
                    redis_server_session.url,
                    "--worker-id",
                    worker_id,
                    "--metrics-port",
                    str(port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        worker = WorkerProcess(worker_id, process, port, log_path)
        started.append(worker)
        wait_for_port("127.0.0.1", port, timeout=20)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=5)
