"""Drive the operator's real decision engine (`autoscaler_operator.decision.decide`) in the
simulator: translate simulated observations into `MetricSample`s and decisions into `Control`.

Simulated seconds map onto UTC instants from ``EPOCH`` so that the engine's timers, stabilization
windows and pre-warm lead times behave exactly as they do in the operator.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from autoscaler_operator.decision import EngineState, MetricSample, UpcomingExam, decide
from autoscaler_operator.policy import OverflowPolicySpec
from exam_stack.simulation.model import Control, Observation
from exam_stack.simulation.scenario import Scenario

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


def policy_from_overrides(overrides: dict[str, Any]) -> OverflowPolicySpec:
    """An OverflowPolicy spec (CRD field names, camelCase) with ``overrides`` applied."""
    return OverflowPolicySpec.model_validate(overrides)


@dataclass
class OperatorController:
    """A candidate policy, evaluated by the operator's own decision engine."""

    name: str
    policy: OverflowPolicySpec
    overflow_enabled: bool = True
    state: EngineState = field(default_factory=EngineState)
    _schedule: list[UpcomingExam] | None = None
    _opens: list[datetime] = field(default_factory=list)

    @property
    def interval_s(self) -> float:
        return float(self.policy.evaluation_interval_seconds)

    def initial(self) -> Control:
        replicas = self.policy.replicas.min if self.policy.replicas.enabled else 1
        self.state = EngineState(replicas=replicas)
        return Control("cluster", max(1, replicas), 0, self.policy.lambda_.batch_size)

    def _upcoming(self, scenario: Scenario) -> list[UpcomingExam]:
        if self._schedule is None:
            self._schedule = sorted(
                (
                    UpcomingExam(e.exam_id, EPOCH + timedelta(seconds=e.opens_at_s), e.candidates)
                    for e in scenario.exams
                ),
                key=lambda e: e.opens_at,
            )
            self._opens = [e.opens_at for e in self._schedule]
        return self._schedule

    def step(self, obs: Observation, scenario: Scenario) -> Control:
        now = EPOCH + timedelta(seconds=obs.now_s)
        sample = MetricSample(
            utilization=obs.utilization,
            oldest_pending_age=obs.oldest_pending_age_s,
            queue_length=obs.queue_length,
            timestamp=now,
            current_replicas=obs.replicas,
        )
        horizon = now + timedelta(seconds=self.policy.prewarm.lead_time_seconds + 1)
        upcoming = self._upcoming(scenario)
        lo = bisect_left(self._opens, now - timedelta(hours=4))
        schedule = upcoming[lo : bisect_right(self._opens, horizon)]
        decision, self.state = decide(self.policy, sample, schedule, self.state, now)
        mode = decision.mode
        if not self.overflow_enabled and mode == "overflow":
            mode = "cluster"
        replicas = (
            decision.grader_replicas if decision.grader_replicas is not None else obs.replicas
        )
        return Control(
            mode=mode,
            replicas=max(0, replicas),
            max_lambda_concurrency=decision.max_lambda_concurrency if self.overflow_enabled else 0,
            batch_size=decision.batch_size,
            provisioned_concurrency=decision.provisioned_concurrency
            if self.overflow_enabled
            else 0,
        )
