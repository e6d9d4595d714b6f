"""Prometheus metrics of the overflow dispatcher (names from ``docs/contracts.md``).

Built on the dispatcher's own registry by ``dispatcher.Dispatcher``; served by the CLI. The
shared grading metrics (latency, graded outcomes with ``graded_by="lambda"``) come from
``assessment_engine.metrics.GradingMetrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class OverflowMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.spilled = Counter(
            "overflow_spilled",
            "Submissions graded by Lambda and written (or found already written).",
            registry=registry,
        )
        self.in_flight = Gauge(
            "overflow_invocations_in_flight", "Lambda invokes in flight.", registry=registry
        )
        self.throttles = Counter(
            "overflow_throttles",
            "Invokes answered 429 TooManyRequestsException.",
            ["reason"],
            registry=registry,
        )
        self.errors = Counter(
            "overflow_invoke_errors",
            "Invokes that produced no batch result (timeout, function_error, rejected, ...).",
            ["kind"],
            registry=registry,
        )
        self.released = Counter(
            "overflow_released",
            "Jobs handed back to the cluster workers, by reason.",
            ["reason"],
            registry=registry,
        )
        self.duration = Histogram(
            "overflow_invoke_duration_seconds",
            "Wall time of one batch invoke seen by the dispatcher.",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=registry,
        )
        self.gb_seconds = Counter(
            "overflow_lambda_gb_seconds", "Estimated billed Lambda GB-seconds.", registry=registry
        )
        self.cost = Counter(
            "overflow_lambda_cost_dollars",
            "Estimated Lambda cost in USD (GB-seconds and requests at list price).",
            registry=registry,
        )
        self.sandbox_batches = Counter(
            "overflow_sandbox_batches",
            "Batches with code questions, by the sandbox layer the function reports running.",
            ["layer"],
            registry=registry,
        )
        self.mode = Gauge(
            "overflow_dispatcher_mode",
            "Effective mode the dispatcher obeys (1 for the current one).",
            ["mode"],
            registry=registry,
        )
        self.reaction = Histogram(
            "overflow_reaction_seconds",
            "From the dispatcher first seeing an overflow decision to its first invoke "
            "(step=first_invoke) and to its first spilled result stored (step=first_result).",
            ["step"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=registry,
        )
