"""One reconcile step of a policy: read metrics, decide (pure), publish, scale, set concurrency.

Shared by the Kopf timer (``autoscaler_operator.handlers``) and local mode
(``autoscaler_operator.local``), so both run exactly the same control loop. Adapter failures do
not stop the step: the decision is still published and reported, and each failure is returned
as a problem for status and Events. In dry-run nothing is scaled or set; the record is published
with ``dry_run: true`` (dispatchers never spill on it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from autoscaler_operator.decision import (
    Decision,
    EngineState,
    MetricSample,
    UpcomingExam,
    decide,
)
from autoscaler_operator.errors import AdapterError
from autoscaler_operator.policy import OverflowPolicySpec


class MetricsSource(Protocol):
    async def read(self, current_replicas: int | None = None) -> MetricSample: ...


class ReplicasActuator(Protocol):
    async def current(self) -> int | None: ...
    async def scale(self, replicas: int) -> None: ...
    async def close(self) -> None: ...


class ConcurrencyActuator(Protocol):
    async def apply(self, reserved: int, provisioned: int) -> None: ...
    async def reset(self) -> None: ...


class Publisher(Protocol):
    async def publish(
        self, policy_key: str, spec: OverflowPolicySpec, decision: Decision
    ) -> bool: ...
    async def clear(self, queue: str) -> None: ...


class ScheduleSource(Protocol):
    async def upcoming(self, within_seconds: float, now: datetime) -> list[UpcomingExam]: ...


@dataclass
class Adapters:
    """The outside world of one policy; ``None`` means that action is not taken."""

    metrics: MetricsSource
    publisher: Publisher | None = None
    replicas: ReplicasActuator | None = None
    concurrency: ConcurrencyActuator | None = None
    schedule: ScheduleSource | None = None


@dataclass(frozen=True)
class LoopState:
    """What a policy's loop remembers between steps (in memory; rebuilt after a restart)."""

    engine: EngineState = field(default_factory=EngineState)
    schedule: tuple[UpcomingExam, ...] = ()
    schedule_read_at: float | None = None


@dataclass(frozen=True)
class Outcome:
    """The result of one step: the decision and what went wrong while acting on it."""

    decision: Decision
    published: bool
    problems: tuple[str, ...] = ()
    acted: bool = False


async def _refresh_schedule(
    spec: OverflowPolicySpec, adapters: Adapters, state: LoopState, now: datetime, every: float
) -> tuple[LoopState, list[str]]:
    if adapters.schedule is None or not spec.prewarm.enabled:
        return state, []
    clock = time.monotonic()
    if state.schedule_read_at is not None and clock - state.schedule_read_at < every:
        return state, []
    within = spec.prewarm.lead_time_seconds + every * 2
    try:
        exams = await adapters.schedule.upcoming(within, now)
    except AdapterError as exc:
        return replace(state, schedule_read_at=clock), [str(exc)]
    # The service lists exams that have not opened yet; keep the ones we knew until their
    # hold-after-start window is over, so an opening exam does not end its own pre-warm.
    hold = timedelta(seconds=spec.prewarm.hold_after_start_seconds)
    fresh = {e.exam_id for e in exams}
    kept = [e for e in state.schedule if e.exam_id not in fresh and e.opens_at + hold > now]
    return replace(state, schedule=(*exams, *kept), schedule_read_at=clock), []


async def reconcile_once(
    policy_key: str,
    spec: OverflowPolicySpec,
    adapters: Adapters,
    state: LoopState,
    *,
    now: datetime | None = None,
    schedule_refresh_seconds: float = 15.0,
) -> tuple[Outcome, LoopState]:
    """Run one evaluation of ``spec`` (``policy_key`` is ``namespace/name``)."""
    problems: list[str] = []
    current: int | None = None
    if adapters.replicas is not None and spec.replicas.enabled:
        try:
            current = await adapters.replicas.current()
        except AdapterError as exc:
            problems.append(str(exc))
    sample = await adapters.metrics.read(current)
    now = now or datetime.now(UTC)
    state, schedule_problems = await _refresh_schedule(
        spec, adapters, state, now, schedule_refresh_seconds
    )
    problems += schedule_problems
    decision, engine = decide(spec, sample, list(state.schedule), state.engine, now)
    state = replace(state, engine=engine)
    published = False
    if adapters.publisher is not None:
        try:
            published = await adapters.publisher.publish(policy_key, spec, decision)
        except AdapterError as exc:
            problems.append(str(exc))
    if spec.dry_run:
        return Outcome(decision, published, tuple(problems), acted=False), state
    if (
        adapters.replicas is not None
        and decision.grader_replicas is not None
        and decision.grader_replicas != current
    ):
        try:
            await adapters.replicas.scale(decision.grader_replicas)
        except AdapterError as exc:
            problems.append(str(exc))
    if adapters.concurrency is not None and spec.lambda_.manage_concurrency:
        try:
            await adapters.concurrency.apply(
                spec.lambda_.max_concurrency, decision.provisioned_concurrency
            )
        except AdapterError as exc:
            problems.append(str(exc))
    return Outcome(decision, published, tuple(problems), acted=True), state


async def release(spec: OverflowPolicySpec, adapters: Adapters) -> list[str]:
    """Undo what the policy set: Lambda concurrency reset, decision record cleared."""
    problems: list[str] = []
    if adapters.concurrency is not None and spec.lambda_.manage_concurrency and not spec.dry_run:
        try:
            await adapters.concurrency.reset()
        except AdapterError as exc:
            problems.append(str(exc))
    if adapters.publisher is not None:
        try:
            await adapters.publisher.clear(spec.queue)
        except AdapterError as exc:
            problems.append(str(exc))
    return problems
