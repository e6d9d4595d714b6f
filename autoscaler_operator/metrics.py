"""The operator's own Prometheus metrics (names fixed in ``docs/contracts.md``).

``operator_utilization_ratio`` (NaN while unknown), ``operator_mode`` (1 for the current mode),
``operator_decisions_total`` and ``operator_transitions_total``. Updated after every reconcile
step by local mode and the Kopf handlers.
"""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, Counter, Gauge

from autoscaler_operator.decision import Decision

MODES = ("cluster", "overflow", "prewarm")


class OperatorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.utilization = Gauge(
            "operator_utilization_ratio",
            "Last utilization the policy saw (NaN = unknown).",
            ["policy"],
            registry=self.registry,
        )
        self.mode = Gauge(
            "operator_mode", "1 for the policy's current mode.", ["policy", "mode"],
            registry=self.registry,
        )  # fmt: skip
        self.decisions = Counter(
            "operator_decisions", "Decisions made.", ["policy"], registry=self.registry
        )
        self.transitions = Counter(
            "operator_transitions",
            "Mode transitions.",
            ["policy", "from_mode", "to_mode"],
            registry=self.registry,
        )

    def observe(self, policy: str, decision: Decision) -> None:
        util = decision.utilization
        self.utilization.labels(policy).set(math.nan if util is None else util)
        for mode in MODES:
            self.mode.labels(policy, mode).set(1.0 if mode == decision.mode else 0.0)
        self.decisions.labels(policy).inc()
        if decision.transition:
            self.transitions.labels(policy, decision.previous_mode, decision.mode).inc()
