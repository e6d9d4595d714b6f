"""Exponential back-off with full jitter, shared by every dispatcher task.

Used by ``dispatcher.Dispatcher``: after a throttle or invoke error no new batch is claimed until
``ready_at``; each consecutive failure doubles the cap (``base * 2**n``, at most ``max``) and the
actual pause is uniform in ``[0, cap]`` (AWS Architecture Blog, "Exponential Backoff And
Jitter"), so many dispatchers do not retry in lockstep. A success resets it. Pure; the clock
and random source are injected.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(
        self,
        base_s: float,
        max_s: float,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.failures = 0
        self.ready_at = 0.0
        self._rand = rand

    def cap(self) -> float:
        return float(min(self.max_s, self.base_s * 2.0 ** max(0, self.failures - 1)))

    def failed(self, now: float) -> float:
        """Record a failure at ``now``; return the pause chosen."""
        self.failures += 1
        pause = self._rand() * self.cap()
        self.ready_at = max(self.ready_at, now + pause)
        return pause

    def succeeded(self) -> None:
        self.failures = 0

    def wait_s(self, now: float) -> float:
        return max(0.0, self.ready_at - now)
