"""Lambda cost estimate: GB-seconds and requests at list price (pure).

Used by the dispatcher for ``overflow_lambda_gb_seconds_total`` and
``overflow_lambda_cost_dollars_total``. Lambda bills each invoke's duration rounded up to the
millisecond times the configured memory in GB, plus a per-request charge; the billed duration
comes from the invoke's ``REPORT`` log line when available (LogType Tail), else from the
client-side wall time (an over-estimate). Prices: see ``docs/overflow.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_BILLED = re.compile(r"Billed Duration: (\d+) ms")


@dataclass(frozen=True)
class CostModel:
    memory_mb: int
    price_per_gb_second: float
    price_per_request: float

    def gb_seconds(self, billed_ms: float) -> float:
        return (self.memory_mb / 1024) * (math.ceil(billed_ms) / 1000)

    def dollars(self, billed_ms: float, requests: int = 1) -> float:
        return self.gb_seconds(billed_ms) * self.price_per_gb_second + (
            requests * self.price_per_request
        )


def billed_ms_from_log(log_tail: str | None) -> int | None:
    """``Billed Duration`` of the last REPORT line in a decoded ``LogResult``, if present."""
    if not log_tail:
        return None
    found = _BILLED.findall(log_tail)
    return int(found[-1]) if found else None
