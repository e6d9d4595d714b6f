"""Local replicas actuator: grader workers as ``assessment-engine worker`` subprocesses.

Local mode's stand-in for the grader Deployment. ``scale(n)`` starts workers up to ``n`` and
stops the newest ones beyond it with SIGTERM (workers drain in-flight jobs), waiting at most the
stop timeout before SIGKILL. Worker ``i`` serves metrics on ``metrics_base_port + i`` so a
Prometheus scrape config can list the ports in advance.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class _Worker:
    slot: int
    process: subprocess.Popen[bytes]


class LocalWorkerPool:
    """Keeps ``n`` worker processes running."""

    def __init__(
        self,
        command: list[str],
        *,
        redis_url: str | None = None,
        metrics_base_port: int | None = None,
        stop_timeout: float = 30.0,
        extra_args: list[str] | None = None,
    ) -> None:
        self.command = command
        self.redis_url = redis_url
        self.metrics_base_port = metrics_base_port
        self.stop_timeout = stop_timeout
        self.extra_args = extra_args or []
        self._workers: list[_Worker] = []

    def _args(self, slot: int) -> list[str]:
        args = [*self.command, "--worker-id", f"local-{slot}", *self.extra_args]
        if self.redis_url:
            args += ["--redis-url", self.redis_url]
        if self.metrics_base_port is not None:
            args += ["--metrics-port", str(self.metrics_base_port + slot)]
        return args

    def _reap(self) -> None:
        alive = [w for w in self._workers if w.process.poll() is None]
        for worker in self._workers:
            if worker not in alive:
                log.warning(
                    "worker exited", extra={"slot": worker.slot, "rc": worker.process.returncode}
                )
        self._workers = alive

    def _spawn(self, slot: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - command from settings, no shell
            self._args(slot), stdin=subprocess.DEVNULL, start_new_session=True
        )

    async def current(self) -> int:
        self._reap()
        return len(self._workers)

    async def scale(self, replicas: int) -> None:
        self._reap()
        used = {w.slot for w in self._workers}
        while len(self._workers) < replicas:
            slot = next(i for i in range(len(used) + 1) if i not in used)
            used.add(slot)
            process = self._spawn(slot)
            self._workers.append(_Worker(slot, process))
            log.info("worker started", extra={"slot": slot, "pid": process.pid})
        surplus = self._workers[replicas:]
        self._workers = self._workers[:replicas]
        await asyncio.gather(*(self._stop(w) for w in surplus))

    async def _stop(self, worker: _Worker) -> None:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(worker.process.wait, self.stop_timeout)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                await asyncio.to_thread(worker.process.wait, 5)
        log.info("worker stopped", extra={"slot": worker.slot, "rc": worker.process.returncode})

    async def close(self) -> None:
        await self.scale(0)
