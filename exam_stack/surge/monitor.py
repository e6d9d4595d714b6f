"""Sample the running stack once a second (through the real Prometheus) for the live view and
the report: utilization vs threshold, mode, replicas, backlog, spill rate, throttles, errors.

Prometheus scrapes every component; this module only asks it PromQL questions, the same way
an operator's dashboard would. A query that fails or returns nothing is recorded as unknown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

QUERIES: dict[str, str] = {
    "utilization": "avg(assessment_worker_busy_ratio)",
    "replicas": "count(assessment_worker_slots)",
    "queue_length": "max(assessment_grading_queue_length)",
    "pending": "max(assessment_grading_pending_jobs)",
    "oldest_age": "max(assessment_grading_oldest_pending_age_seconds)",
    "spill_rate": "sum(rate(overflow_spilled_total[5s]))",
    "spilled": "sum(overflow_spilled_total)",
    "throttles": "sum(overflow_throttles_total)",
    "invoke_errors": "sum(overflow_invoke_errors_total)",
    "in_flight": "sum(overflow_invocations_in_flight)",
    "graded_cluster": 'sum(assessment_graded_total{graded_by="cluster"})',
    "graded_lambda": 'sum(assessment_graded_total{graded_by="lambda"})',
    "lambda_cost": "sum(overflow_lambda_cost_dollars_total)",
    "lambda_gb_s": "sum(overflow_lambda_gb_seconds_total)",
    "worker_busy_s": "sum(assessment_worker_busy_seconds_total)",
    "invoke_s": "sum(overflow_invoke_duration_seconds_sum)",
    "invocations": "sum(overflow_invoke_duration_seconds_count)",
}
MODE_QUERY = "operator_mode == 1"
SUBMIT_ROUTE = "/v1/exams/{exam_id}/attempt/submit"


def server_ack_query(quantile: float, window_s: int) -> str:
    """PromQL: a quantile of the API's own latency for 202 submits over the last window."""
    selector = f'route="{SUBMIT_ROUTE}",status="202"'
    return (
        f"histogram_quantile({quantile}, sum by (le) (increase("
        f"assessment_api_request_duration_seconds_bucket{{{selector}}}[{window_s}s])))"
    )


@dataclass
class Sample:
    t: float  # seconds since the run's exam opened
    values: dict[str, float | None]
    mode: str | None

    def get(self, name: str) -> float | None:
        return self.values.get(name)


@dataclass
class Timeline:
    samples: list[Sample] = field(default_factory=list)
    # where a person watches the run: the proctor console and its sign-in (when the pages run)
    console_url: str | None = None
    console_login: tuple[str, str] | None = None

    def series(self, name: str) -> tuple[list[float], list[float | None]]:
        return [s.t for s in self.samples], [s.get(name) for s in self.samples]

    def modes(self) -> list[tuple[float, str | None]]:
        return [(s.t, s.mode) for s in self.samples]

    def transitions(self) -> list[tuple[float, str, str]]:
        out: list[tuple[float, str, str]] = []
        last: str | None = None
        for s in self.samples:
            if s.mode is not None and last is not None and s.mode != last:
                out.append((s.t, last, s.mode))
            if s.mode is not None:
                last = s.mode
        return out


class PrometheusSampler:
    """Instant queries against the run's Prometheus (HTTP API v1)."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.client = httpx.Client(base_url=url, timeout=timeout)

    def query(self, promql: str) -> list[dict[str, object]]:
        r = self.client.get("/api/v1/query", params={"query": promql})
        r.raise_for_status()
        body = r.json()
        if body.get("status") != "success":
            return []
        result = body["data"]["result"]
        return result if isinstance(result, list) else []

    def scalar(self, promql: str) -> float | None:
        try:
            result = self.query(promql)
        except (httpx.HTTPError, ValueError):
            return None
        if not result:
            return None
        value = result[0].get("value")
        if not isinstance(value, list) or len(value) != 2:
            return None
        number = float(value[1])
        return None if number != number else number  # NaN = unknown

    def mode(self) -> str | None:
        try:
            result = self.query(MODE_QUERY)
        except (httpx.HTTPError, ValueError):
            return None
        for series in result:
            metric = series.get("metric")
            if isinstance(metric, dict) and "mode" in metric:
                return str(metric["mode"])
        return None

    def sample(self, t: float) -> Sample:
        values = {name: self.scalar(q) for name, q in QUERIES.items()}
        return Sample(t=t, values=values, mode=self.mode())

    def server_ack_quantiles(self, window_s: float) -> dict[str, float | None]:
        """Submit (202) latency quantiles measured by the API itself over the last window.

        Interpolated within the histogram's buckets, as ``histogram_quantile`` does.
        """
        window = max(10, int(window_s))
        return {
            f"p{int(q * 100)}": self.scalar(server_ack_query(q, window)) for q in (0.5, 0.95, 0.99)
        }

    def close(self) -> None:
        self.client.close()


def wait_for_targets(sampler: PrometheusSampler, jobs: set[str], timeout: float = 30.0) -> None:
    """Block until every job in ``jobs`` has at least one healthy target."""
    deadline = time.monotonic() + timeout
    missing = set(jobs)
    while time.monotonic() < deadline:
        try:
            up = sampler.query("up == 1")
        except (httpx.HTTPError, ValueError):
            up = []
        seen = {
            str(metric.get("job"))
            for metric in (s.get("metric") for s in up)
            if isinstance(metric, dict)
        }
        missing = jobs - seen
        if not missing:
            return
        time.sleep(0.5)
    raise TimeoutError(f"Prometheus never saw targets of: {', '.join(sorted(missing))}")
