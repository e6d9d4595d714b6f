"""Drive the pure decision engine over a series of samples (shared by the engine tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from autoscaler_operator.decision import Decision, EngineState, MetricSample, UpcomingExam, decide
from autoscaler_operator.policy import OverflowPolicySpec, parse_policy

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def make_policy(**overrides: Any) -> OverflowPolicySpec:
    body: dict[str, Any] = {
        "evaluationIntervalSeconds": 1,
        "stabilization": {"enterSeconds": 2, "leaveSeconds": 5},
        "queueSpill": {"enabled": False},
        "outage": {"behavior": "cluster", "gracePeriodSeconds": 5},
    }
    body.update(overrides)
    return parse_policy(body)


def run(
    policy: OverflowPolicySpec,
    utilizations: list[float | None],
    *,
    interval: float = 1.0,
    ages: list[float | None] | None = None,
    schedule: list[UpcomingExam] | None = None,
    start: datetime = T0,
    replicas: int | None = None,
) -> list[Decision]:
    state = EngineState()
    decisions = []
    for i, util in enumerate(utilizations):
        now = start + timedelta(seconds=i * interval)
        sample = MetricSample(
            utilization=util,
            oldest_pending_age=ages[i] if ages else None,
            queue_length=None,
            timestamp=now,
            current_replicas=state.replicas if state.replicas is not None else replicas,
        )
        decision, state = decide(policy, sample, schedule or [], state, now)
        decisions.append(decision)
    return decisions


def modes(decisions: list[Decision]) -> str:
    return "".join({"cluster": "c", "overflow": "O", "prewarm": "p"}[d.mode] for d in decisions)


def transitions(decisions: list[Decision]) -> int:
    return sum(1 for d in decisions if d.transition)
