"""Grader replica math, the HPA way: formula with tolerance, scale-down stabilization, step limits.

Pure functions used by the decision engine (``autoscaler_operator.decision``). Semantics follow
the Kubernetes HPA v2 documentation: ``desired = ceil(current * metric / target)``, no change
while the ratio is within ``tolerance`` of 1, scale down only to the highest recommendation of
the stabilization window, and per-period step limits (``selectPolicy: Max``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol


class StepRules(Protocol):
    @property
    def scale_up(self) -> _Rule: ...
    @property
    def scale_down(self) -> _Rule: ...


class _Rule(Protocol):
    @property
    def pods(self) -> int: ...
    @property
    def percent(self) -> int: ...
    @property
    def period_seconds(self) -> float: ...


def hpa_desired(current: int, utilization: float, target: float, tolerance: float) -> int:
    """``ceil(current * utilization / target)``, or ``current`` within the tolerance band."""
    if current <= 0:
        return 0
    ratio = utilization / target
    if abs(ratio - 1.0) <= tolerance:
        return current
    return math.ceil(current * ratio)


def stabilized_down(current: int, raw: int, window: Sequence[int]) -> int:
    """Scale-down stabilization: never below the highest recommendation in the window."""
    if raw >= current:
        return raw
    return min(current, max([raw, *window]))


def replicas_at(history: Sequence[tuple[datetime, int]], at: datetime, default: int) -> int:
    """Replicas in effect at ``at`` according to ``history`` (time-ordered (time, replicas))."""
    value = history[0][1] if history else default
    for when, replicas in history:
        if when <= at:
            value = replicas
        else:
            break
    return value


def limit_step(
    current: int,
    recommended: int,
    rules: StepRules,
    history: Sequence[tuple[datetime, int]],
    now: datetime,
) -> int:
    """Clamp ``recommended`` by the step limits relative to the replicas at the period start."""
    if recommended > current:
        rule = rules.scale_up
        base = replicas_at(history, now - timedelta(seconds=rule.period_seconds), current)
        allowed = max(base + rule.pods, math.ceil(base * (1 + rule.percent / 100)))
        return max(current, min(recommended, allowed))
    if recommended < current:
        rule = rules.scale_down
        base = replicas_at(history, now - timedelta(seconds=rule.period_seconds), current)
        allowed = min(base - rule.pods, math.ceil(base * (1 - rule.percent / 100)))
        return min(current, max(recommended, allowed))
    return current
