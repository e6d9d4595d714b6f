"""Prometheus metrics of the local Lambda service (served at ``GET /metrics``).

One ``ServiceMetrics`` per service instance, on its own registry so that several services (as
in tests) do not collide. Updated by ``pool.py`` and the Invoke API handlers.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.invocations = Counter(
            "local_lambda_invocations_total",
            "Invocations by outcome (ok, function_error, timeout, crash, init_error).",
            ["function", "outcome"],
            registry=r,
        )
        self.cold_starts = Counter(
            "local_lambda_cold_starts_total",
            "Execution environments started, by initialization type.",
            ["function", "init_type"],
            registry=r,
        )
        self.throttles = Counter(
            "local_lambda_throttles_total",
            "Invocations rejected with 429 TooManyRequestsException, by reason.",
            ["function", "reason"],
            registry=r,
        )
        self.environments = Gauge(
            "local_lambda_environments",
            "Execution environments by state (idle, busy, starting).",
            ["function", "state"],
            registry=r,
        )
        self.env_discarded = Counter(
            "local_lambda_environments_discarded_total",
            "Environments discarded after a timeout or crash.",
            ["function"],
            registry=r,
        )
        self.env_rss = Gauge(
            "local_lambda_environment_rss_bytes",
            "Resident memory of the last environment that finished an invocation.",
            ["function"],
            registry=r,
        )
        self.duration = Histogram(
            "local_lambda_invoke_duration_seconds",
            "Invocation duration inside the environment.",
            ["function"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.init_seconds = Histogram(
            "local_lambda_init_duration_seconds",
            "Runtime init duration (start to first /next).",
            ["function"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
            registry=r,
        )
