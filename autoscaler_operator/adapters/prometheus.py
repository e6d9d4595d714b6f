"""Read utilization and queue state from Prometheus with ``prometheus-api-client``.

Every failure (connection error, non-200, empty vector, NaN, a non-number) maps to ``None``:
unknown, never 0. Called by the reconcile step once per evaluation.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import UTC, datetime
from typing import Any

from prometheus_api_client import PrometheusConnect

from autoscaler_operator.decision import MetricSample
from autoscaler_operator.policy import PrometheusSpec

log = logging.getLogger(__name__)


def scalar_of(result: Any) -> float | None:
    """The single number of an instant-query result, or None when there is none."""
    if not isinstance(result, list) or not result:
        return None
    values = []
    for series in result:
        try:
            value = float(series["value"][1])
        except (KeyError, IndexError, TypeError, ValueError):
            return None
        if math.isnan(value) or math.isinf(value):
            return None
        values.append(value)
    return max(values)


class PrometheusReader:
    """Queries one Prometheus for the policy's utilization and queue queries."""

    def __init__(self, spec: PrometheusSpec) -> None:
        self.spec = spec
        self._client = PrometheusConnect(url=spec.url, disable_ssl=True)

    def _query(self, query: str | None) -> float | None:
        if not query:
            return None
        try:
            result = self._client.custom_query(query, timeout=self.spec.timeout_seconds)
        except Exception as exc:
            log.warning("prometheus query failed", extra={"query": query, "error": repr(exc)})
            return None
        return scalar_of(result)

    async def read(self, current_replicas: int | None = None) -> MetricSample:
        util, age, length = await asyncio.gather(
            asyncio.to_thread(self._query, self.spec.utilization_query),
            asyncio.to_thread(self._query, self.spec.oldest_pending_age_query),
            asyncio.to_thread(self._query, self.spec.queue_length_query),
        )
        return MetricSample(
            utilization=util,
            oldest_pending_age=age,
            queue_length=length,
            timestamp=datetime.now(UTC),
            current_replicas=current_replicas,
        )
