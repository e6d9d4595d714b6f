"""Lambda cost model at list prices: the one place every Lambda price is defined (pure).

Used by the dispatcher (``overflow_lambda_gb_seconds_total``,
``overflow_lambda_cost_dollars_total``), the surge report (``exam_stack.surge.report``) and the
what-if simulator (``exam_stack.simulation.model``); nothing else spells a price. Formulas, worked
examples and the trade-offs: ``docs/overflow.md`` ("Cost model").

How AWS bills what the platform uses (region ``REGION``, architecture ``ARCHITECTURE``, first
pricing tier, free tier ignored):

- **On-demand invoke**: ``requests × request`` plus ``memory_GB × billed_s × gb_second``, where
  billed = duration rounded up to the millisecond **plus the init phase on a cold start**: since
  1 August 2025 Lambda bills INIT for on-demand ZIP functions on managed runtimes
  (``INIT_BILLING``), and the ``REPORT`` line's ``Billed Duration`` includes the ``Init Duration``.
- **Provisioned concurrency**: ``configured × memory_GB × seconds enabled × provisioned_gb_second``
  (AWS rounds the enabled period up to 5 minutes), and invokes served by provisioned environments
  pay ``provisioned_duration_gb_second`` instead of ``gb_second`` (their init is not billed per
  invoke).
- **SnapStart (Python)**: ``memory_GB × seconds cached × snapstart_cache_gb_second`` per published
  version (at least 3 hours) and ``memory_GB × snapstart_restore_gb`` per environment restored
  from the snapshot; the restored environment's invoke is billed as on-demand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

REGION = "us-east-1"
ARCHITECTURE = "x86_64"
PRICE_SOURCE = "https://aws.amazon.com/lambda/pricing/"
INIT_BILLING = (
    "https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/"
)
PRICES_CHECKED = "2026-12-04"
"""Date the figures below were checked against ``PRICE_SOURCE`` (US East (N. Virginia), x86)."""


@dataclass(frozen=True)
class LambdaPrices:
    """List prices in USD (``REGION``, ``ARCHITECTURE``), from ``PRICE_SOURCE`` on
    ``PRICES_CHECKED``; init billing for on-demand functions per ``INIT_BILLING`` (1 Aug 2025)."""

    gb_second: float = 0.0000166667
    """On-demand duration (incl. on-demand init since 2025-08-01), per GB-second."""
    request: float = 0.20 / 1_000_000
    """Per request (invoke), on-demand and provisioned alike."""
    provisioned_gb_second: float = 0.0000041667
    """Provisioned concurrency configured, per GB-second enabled."""
    provisioned_duration_gb_second: float = 0.0000097222
    """Duration of invokes served by provisioned environments, per GB-second."""
    snapstart_cache_gb_second: float = 0.0000015046
    """SnapStart snapshot cache (Python/.NET), per GB-second per published version."""
    snapstart_restore_gb: float = 0.0001397998
    """SnapStart restore (Python/.NET), per GB of memory restored."""
    snapstart_min_cache_s: float = 3 * 3600.0
    """SnapStart cache is billed for at least 3 hours per version."""
    provisioned_billing_increment_s: float = 300.0
    """Provisioned concurrency periods are rounded up to 5 minutes."""


LIST_PRICES = LambdaPrices()

_BILLED = re.compile(r"Billed Duration: (\d+) ms")
_INIT = re.compile(r"Init Duration: ([\d.]+) ms")


def billed_ms(duration_ms: float, init_ms: float | None = None) -> int:
    """Lambda's ``Billed Duration`` of an on-demand invoke: (duration + init) rounded up to 1 ms."""
    return math.ceil(duration_ms + (init_ms or 0.0))


@dataclass(frozen=True)
class CostModel:
    """Dollars for a function of ``memory_mb``; the two on-demand prices are overridable (the
    dispatcher's settings), every other price comes from ``prices``."""

    memory_mb: int
    price_per_gb_second: float = LIST_PRICES.gb_second
    price_per_request: float = LIST_PRICES.request
    prices: LambdaPrices = LIST_PRICES

    @property
    def memory_gb(self) -> float:
        return self.memory_mb / 1024

    def gb_seconds(self, billed: float) -> float:
        """GB-seconds of ``billed`` milliseconds (rounded up to the millisecond)."""
        return self.memory_gb * (math.ceil(billed) / 1000)

    def dollars(self, billed: float, requests: int = 1) -> float:
        """On-demand: ``billed`` ms (already including init, as the REPORT line's) + requests."""
        return (
            self.gb_seconds(billed) * self.price_per_gb_second + requests * self.price_per_request
        )

    def invoke_dollars(
        self,
        duration_ms: float,
        init_ms: float | None = None,
        *,
        provisioned: bool = False,
        snapstart_restore: bool = False,
    ) -> float:
        """One invoke. On-demand cold starts bill ``init_ms``; a provisioned environment bills its
        duration at the provisioned rate and never its init; a SnapStart restore adds the
        per-GB restore charge (pass the restore duration as ``init_ms``, billed like init)."""
        if provisioned:
            return (
                self.gb_seconds(duration_ms) * self.prices.provisioned_duration_gb_second
                + self.price_per_request
            )
        cost = self.dollars(billed_ms(duration_ms, init_ms))
        if snapstart_restore:
            cost += self.memory_gb * self.prices.snapstart_restore_gb
        return cost

    def provisioned_dollars(self, concurrency: int, seconds: float) -> float:
        """Provisioned concurrency kept for ``seconds`` (rounded up to 5 minutes), idle or not."""
        step = self.prices.provisioned_billing_increment_s
        billed_s = math.ceil(seconds / step) * step if seconds > 0 else 0.0
        return concurrency * self.memory_gb * billed_s * self.prices.provisioned_gb_second

    def snapstart_cache_dollars(self, seconds: float, versions: int = 1) -> float:
        """Snapshot cache of ``versions`` published versions for ``seconds`` (at least 3 h)."""
        billed_s = max(seconds, self.prices.snapstart_min_cache_s)
        return versions * self.memory_gb * billed_s * self.prices.snapstart_cache_gb_second


def billed_ms_from_log(log_tail: str | None) -> int | None:
    """``Billed Duration`` of the last REPORT line in a decoded ``LogResult``, if present (it
    includes ``Init Duration`` on an on-demand cold start, as AWS bills it)."""
    if not log_tail:
        return None
    found = _BILLED.findall(log_tail)
    return int(found[-1]) if found else None


def init_ms_from_log(log_tail: str | None) -> float | None:
    """``Init Duration`` of the last REPORT line (cold starts only), if present."""
    if not log_tail:
        return None
    report = [line for line in log_tail.splitlines() if line.startswith("REPORT ")]
    if not report:
        return None
    found = _INIT.search(report[-1])
    return float(found.group(1)) if found else None


def lambda_prices_note(prices: LambdaPrices = LIST_PRICES) -> str:
    """One sentence for reports: the prices used, their region, source and date."""
    return (
        f"Lambda list prices ({ARCHITECTURE}, {REGION}, {PRICE_SOURCE}, checked {PRICES_CHECKED}): "
        f"${prices.gb_second:.10f} per GB-second on demand, cold-start init included (billed "
        f"since 2025-08-01), ${prices.request * 1e6:.2f} per million requests; provisioned "
        f"concurrency ${prices.provisioned_gb_second:.10f} per GB-second configured plus "
        f"${prices.provisioned_duration_gb_second:.10f} per GB-second of invoke; SnapStart "
        f"${prices.snapstart_cache_gb_second:.10f} per GB-second cached and "
        f"${prices.snapstart_restore_gb:.10f} per GB restored."
    )
