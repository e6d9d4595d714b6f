"""A pool of warm sandbox zygotes, and the cold (fresh process per run) mode it is measured against.

Callers: ``assessment_engine.grading.code`` (through ``default_pool()``), the benchmark, tests.
A zygote has imported nothing of any student's; every run gets a freshly forked child with
fresh rlimits, uid, PID/IPC namespaces and work dir, so reuse does not weaken isolation.
``reuse=False`` starts a fresh zygote for every run (the cold baseline). The isolation layer is
detected once per process (``detect_layer``) and logged.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import logging
import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from assessment_engine.sandbox.errors import SandboxCrashedError
from assessment_engine.sandbox.models import Isolation, Layer, RunRequest, RunResult
from assessment_engine.sandbox.zygote import Zygote

log = logging.getLogger(__name__)
MAX_RUNS_PER_ZYGOTE = 5_000
PR_SET_DUMPABLE = 4


def protect_this_process() -> None:
    """Make this process non-dumpable: its /proc files (environ with AWS credentials, mem) turn
    root-owned and ptrace needs CAP_SYS_PTRACE. Every process that owns a pool does it (the
    worker's processes also do it at their start, ``assessment_engine.worker``), so that a run
    sharing its uid cannot read it whatever else fails.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        log.warning("could not make the grading process non-dumpable")


@functools.lru_cache(maxsize=8)
def probe(
    isolation: Isolation = "auto", python: str | None = None, user: int | None = None
) -> tuple[Layer, str, bool, int]:
    """Start one probe zygote: the layer it entered, why not a stronger one, seccomp, and the
    Landlock ABI its runs are confined with (0: none)."""
    zygote = Zygote(isolation, python, user)
    try:
        layer, reason, seccomp = zygote.layer, zygote.reason, zygote.seccomp
        landlock = zygote.landlock
    finally:
        zygote.close()
    log.info(
        "sandbox isolation layer: %s, seccomp filter: %s, landlock ABI: %d",
        layer,
        "on" if seccomp else "off",
        landlock,
        extra={"layer": layer, "reason": reason, "seccomp": seccomp, "landlock": landlock},
    )
    return layer, reason, seccomp, landlock


def detect_layer(
    isolation: Isolation = "auto", python: str | None = None, user: int | None = None
) -> tuple[Layer, str]:
    """The isolation layer zygotes enter on this host (detected once per process)."""
    layer, reason, _, _ = probe(isolation, python, user)
    return layer, reason


class SandboxPool:
    """Runs requests on at most ``size`` zygotes at once; thread-safe."""

    def __init__(
        self,
        size: int | None = None,
        isolation: Isolation = "auto",
        *,
        reuse: bool = True,
        python: str | None = None,
        user: int | None = None,
    ) -> None:
        self.size = size or os.cpu_count() or 1
        self.reuse = reuse
        self._python, self.user = python, user
        protect_this_process()  # before any zygote: nothing of this process is a run's to read
        layer, self.reason, self.seccomp, self.landlock = probe(isolation, python, user)
        self.layer: Layer = layer
        # start zygotes with the layer detected once, so a later refusal is an error, not a
        # silent downgrade
        self._isolation: Isolation = "rlimit" if layer == "rlimit" else "namespaces"
        self._slots = threading.BoundedSemaphore(self.size)
        self._idle: queue.LifoQueue[Zygote] = queue.LifoQueue()
        self._closed = False

    def _take(self) -> Zygote:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return Zygote(self._isolation, self._python, self.user)

    def _give_back(self, zygote: Zygote) -> None:
        if (
            self.reuse
            and not self._closed
            and not zygote.broken
            and (zygote.runs < MAX_RUNS_PER_ZYGOTE)
        ):
            self._idle.put(zygote)
        else:
            zygote.close()

    def run(self, request: RunRequest) -> RunResult:
        """Run one request; a zygote failure is retried once on a fresh zygote.

        A zygote dying twice in a row under the same program is the program's doing (where the
        run shares the zygote's uid, i.e. rlimits alone without the audit hook, it can signal
        it): that is a runtime error of the program, not a crash to retry forever.
        """
        with self._slots:
            zygote = self._take()
            try:
                result = zygote.run(request)
            except SandboxCrashedError:
                zygote.close()
                zygote = self._take()
                try:
                    result = zygote.run(request)
                except SandboxCrashedError:
                    zygote.close()
                    return RunResult(
                        outcome="runtime_error",
                        layer=self.layer,
                        reason="the sandbox ended during the run, twice: the program ended it",
                    )
            self._give_back(zygote)
            return result

    def run_many(self, requests: Sequence[RunRequest]) -> list[RunResult]:
        """Run requests in parallel on the pool; results in request order."""
        if len(requests) <= 1 or self.size == 1:
            return [self.run(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(self.size, len(requests))) as executor:
            return list(executor.map(self.run, requests))

    def warm(self) -> None:
        """Start every zygote now (so the first runs do not pay the start-up)."""
        started = [self._take() for _ in range(self.size - self._idle.qsize())]
        for zygote in started:
            self._idle.put(zygote)

    def drain(self) -> None:
        """Close the idle zygotes but keep the pool usable: the next run starts fresh ones
        (the grading function's SnapStart hook, so that no zygote is in a snapshot)."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


_default: SandboxPool | None = None
_default_lock = threading.Lock()


def default_pool() -> SandboxPool:
    """The process-wide pool used by the code grader (workers and the Lambda function)."""
    global _default
    with _default_lock:
        if _default is None:
            from assessment_engine.sandbox.settings import SandboxSettings

            settings = SandboxSettings()
            _default = SandboxPool(settings.pool_size, settings.isolation)
            atexit.register(_default.close)
        return _default
