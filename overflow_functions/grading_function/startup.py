"""Init of the grading function: timed by phase, the sandbox start policy and SnapStart hooks.

Used by ``app.py`` only, at module import (the Lambda init phase). ``InitTimer`` times the phases
(``imports``: the grading core and its pydantic models; ``powertools``: Logger, Metrics, Tracer;
``sandbox``: the code sandbox's probe and zygotes when started at init) and the first invocation
of the environment logs them (``init phases``, with the wall-clock end of init) so that cold
starts can be read by phase in the logs. ``SandboxStarter`` applies
``GRADING_FUNCTION_SANDBOX_START``: ``init`` (start the zygotes during init, the old behaviour),
``background`` (start them in a thread during init: init ends sooner and the zygotes come up
while the first batch is being read and graded; the first code item waits for them), or
``first_use`` (start them on the first code item). Under SnapStart the zygotes must not be in the
snapshot (every restored environment would share their memory and random state):
``register_snapstart_hooks`` stops them before the snapshot and, after a restore, re-seeds
Python's ``random`` from the OS and starts them again with the same policy.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

SandboxStart = Literal["init", "background", "first_use"]


class InitTimer:
    """Wall and monotonic time of init, and milliseconds per named phase."""

    def __init__(self) -> None:
        self.started_at = time.time()
        self._t0 = time.perf_counter()
        self.phases: dict[str, float] = {}
        self.ended_at: float | None = None
        self.restored = False

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = round((time.perf_counter() - started) * 1000, 2)

    def end(self) -> None:
        self.ended_at = time.time()
        self.phases["total"] = round((time.perf_counter() - self._t0) * 1000, 2)

    def report(self) -> dict[str, Any]:
        """What the first invocation logs (``init_ended_at``: Unix seconds)."""
        return {
            "init_phases_ms": dict(self.phases),
            "init_started_at": self.started_at,
            "init_ended_at": self.ended_at,
            "restored_from_snapshot": self.restored,
        }


class SandboxStarter:
    """Starts the code sandbox's zygotes at init, in the background, or on first use."""

    def __init__(self, mode: SandboxStart, warm: Callable[[], object]) -> None:
        self.mode: SandboxStart = mode
        self._warm = warm
        self._thread: threading.Thread | None = None
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Apply the policy at init (or after a SnapStart restore)."""
        if self.mode == "init":
            self._run()
        elif self.mode == "background":
            self._thread = threading.Thread(target=self._run, name="sandbox-start", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with self._lock:
            if not self._started:
                self._warm()
                self._started = True

    def ready(self) -> None:
        """Before the first code item: wait for a background start, or start now."""
        if self._started:
            return
        thread = self._thread
        if thread is not None:
            thread.join()
        self._run()

    def stop(self, close: Callable[[], object]) -> None:
        """Before a snapshot: wait for a start in progress, then close the zygotes."""
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            close()
            self._started = False


def reseed_randomness() -> None:
    """After a restore: every environment restored from one snapshot starts with the same
    ``random`` state; re-seed it from the OS (``secrets``/``os.urandom`` need nothing)."""
    random.seed(os.urandom(32))


def register_snapstart_hooks(
    timer: InitTimer, starter: SandboxStarter, close_sandbox: Callable[[], object]
) -> bool:
    """Register the before-snapshot / after-restore hooks; False if the library is absent."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # not a Lambda Python runtime and not installed: nothing to register
        return False

    def before_snapshot() -> None:
        starter.stop(close_sandbox)

    def after_restore() -> None:
        timer.restored = True
        reseed_randomness()
        starter.start()

    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
