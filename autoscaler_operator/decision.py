"""The pure decision engine: one evaluation of an OverflowPolicy, no I/O.

``decide(policy, sample, schedule, previous, now)`` returns the next :class:`Decision` and the
:class:`EngineState` to feed into the next call. Called by the reconcile step
(``autoscaler_operator.reconcile``) from the Kopf timer and from local mode; tested directly.

Rules (see ``docs/operator.md``):
- hysteresis: enter overflow once "hot" (utilization >= overflowThreshold, or the oldest pending
  job older than the latency objective) has held for ``stabilization.enterSeconds``; leave once
  utilization < releaseThreshold (and the queue is not hot) has held for ``leaveSeconds``;
- unknown utilization (``None``) is never 0: the mode is held for the grace period, then the
  outage behaviour applies; dwell timers restart when metrics return;
- pre-warm: from ``leadTime`` before an exam opens until ``holdAfterStart`` after it, replicas and
  provisioned concurrency are raised from the expected candidates;
- replicas follow the HPA formula with tolerance, scale-down stabilization, step limits and bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from assessment_engine.contracts.decision_record import Mode
from autoscaler_operator.policy import OverflowPolicySpec, ReplicasSpec
from autoscaler_operator.replicas import hpa_desired, limit_step, stabilized_down

DWELL_SLACK = 0.1  # fraction of the evaluation interval tolerated as clock jitter in dwell checks


@dataclass(frozen=True)
class MetricSample:
    """What the metrics said at ``timestamp``; ``None`` means unknown (never 0)."""

    utilization: float | None
    oldest_pending_age: float | None
    queue_length: float | None
    timestamp: datetime
    current_replicas: int | None = None  # observed grader replicas, when known


@dataclass(frozen=True)
class UpcomingExam:
    """One scheduled exam from the assessment service."""

    exam_id: str
    opens_at: datetime
    expected_candidates: int


@dataclass(frozen=True)
class EngineState:
    """Everything the engine remembers between evaluations (kept in memory by the caller)."""

    mode: Mode = "cluster"
    mode_since: datetime | None = None
    hot_since: datetime | None = None
    cool_since: datetime | None = None
    last_good_at: datetime | None = None
    outage_since: datetime | None = None
    last_utilization: float | None = None
    generation: int = 0
    replicas: int | None = None
    # (time, replicas in effect from then) for step limits; (time, recommendation) for stabilization
    replica_history: tuple[tuple[datetime, int], ...] = ()
    recommendations: tuple[tuple[datetime, int], ...] = ()
    transitions: int = 0


@dataclass(frozen=True)
class Decision:
    """The outcome of one evaluation."""

    mode: Mode
    previous_mode: Mode
    reasons: tuple[str, ...]
    utilization: float | None
    metrics_available: bool
    grader_replicas: int | None
    max_lambda_concurrency: int
    provisioned_concurrency: int
    batch_size: int
    generation: int
    issued_at: datetime
    valid_until: datetime
    dry_run: bool
    prewarm_exams: tuple[str, ...] = field(default=())

    @property
    def transition(self) -> bool:
        return self.mode != self.previous_mode

    @property
    def spilling(self) -> bool:
        return self.mode == "overflow" and not self.dry_run


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _active_exams(
    policy: OverflowPolicySpec, schedule: list[UpcomingExam], now: datetime
) -> list[UpcomingExam]:
    if not policy.prewarm.enabled:
        return []
    lead = timedelta(seconds=policy.prewarm.lead_time_seconds)
    hold = timedelta(seconds=policy.prewarm.hold_after_start_seconds)
    return [e for e in schedule if e.opens_at - lead <= now < e.opens_at + hold]


def _hot(policy: OverflowPolicySpec, sample: MetricSample) -> list[str]:
    """Reasons the sample is hot (empty when it is not)."""
    reasons = []
    util = sample.utilization
    if util is not None and util >= policy.overflow_threshold:
        reasons.append(f"utilization {_fmt(util)} >= {_fmt(policy.overflow_threshold)}")
    age = sample.oldest_pending_age
    objective = policy.queue_spill.latency_objective_seconds
    if policy.queue_spill.enabled and age is not None and age >= objective:
        reasons.append(f"oldest pending job {age:.1f}s >= objective {objective:.0f}s")
    return reasons


def _next_mode(
    policy: OverflowPolicySpec, sample: MetricSample, prev: EngineState, now: datetime, base: Mode
) -> tuple[Mode, EngineState, list[str]]:
    """Hysteresis on a known utilization sample."""
    util = sample.utilization
    assert util is not None
    hot = _hot(policy, sample)
    cool = util < policy.release_threshold and not hot
    hot_since = (prev.hot_since or now) if hot else None
    cool_since = (prev.cool_since or now) if cool else None
    state = replace(prev, hot_since=hot_since, cool_since=cool_since)
    enter = policy.stabilization.enter_seconds
    leave = policy.stabilization.leave_seconds
    # Evaluations are ~one interval apart, never exactly: absorb the scheduling jitter so that a
    # window of k intervals takes k evaluations, not k + 1.
    slack = DWELL_SLACK * policy.evaluation_interval_seconds
    if prev.mode != "overflow":
        if hot_since is not None and (now - hot_since).total_seconds() + slack >= enter:
            held = (now - hot_since).total_seconds()
            return (
                "overflow",
                state,
                [f"{r} for {held:.1f}s (stabilization {enter:g}s)" for r in hot],
            )
        if hot:
            return base, state, [f"{r}, waiting for stabilization {enter:g}s" for r in hot]
        return base, state, [f"utilization {_fmt(util)} < {_fmt(policy.overflow_threshold)}"]
    if cool_since is not None and (now - cool_since).total_seconds() + slack >= leave:
        held = (now - cool_since).total_seconds()
        return (
            base,
            state,
            [
                f"utilization {_fmt(util)} < {_fmt(policy.release_threshold)} for {held:.1f}s "
                f"(stabilization {leave:g}s)"
            ],
        )
    if cool:
        return (
            "overflow",
            state,
            [
                f"utilization {_fmt(util)} < {_fmt(policy.release_threshold)}, "
                f"waiting for stabilization {leave:g}s"
            ],
        )
    return (
        "overflow",
        state,
        [*hot]
        or [f"utilization {_fmt(util)} >= release threshold {_fmt(policy.release_threshold)}"],
    )


def _outage_mode(
    policy: OverflowPolicySpec, prev: EngineState, now: datetime, base: Mode
) -> tuple[Mode, EngineState, list[str]]:
    """Utilization unknown: hold for the grace period, then apply the outage behaviour."""
    since = prev.outage_since or now
    state = replace(prev, hot_since=None, cool_since=None, outage_since=since)
    started = prev.last_good_at or since
    unknown_for = (now - started).total_seconds()
    grace = policy.outage.grace_period_seconds
    behavior = policy.outage.behavior
    held: Mode = "overflow" if prev.mode == "overflow" else base
    if unknown_for < grace:
        return (
            held,
            state,
            [f"utilization unknown for {unknown_for:.1f}s; holding {held} (grace {grace:g}s)"],
        )
    if behavior == "hold":
        mode: Mode = held
    elif behavior == "overflow":
        mode = "overflow"
    else:
        mode = base
    return (
        mode,
        state,
        [
            f"utilization unknown for {unknown_for:.1f}s > grace {grace:g}s; outage behaviour "
            f"{behavior!r}"
        ],
    )


def _prewarm_targets(policy: OverflowPolicySpec, exams: list[UpcomingExam]) -> tuple[int, int]:
    candidates = sum(e.expected_candidates for e in exams)
    if candidates <= 0:
        return 0, 0
    replicas = math.ceil(candidates / policy.prewarm.candidates_per_replica)
    provisioned = math.ceil(candidates / policy.prewarm.candidates_per_lambda)
    return replicas, min(provisioned, policy.lambda_.max_concurrency)


def _replicas(
    spec: ReplicasSpec,
    util: float | None,
    current: int | None,
    floor: int,
    prev: EngineState,
    now: datetime,
) -> tuple[int | None, EngineState]:
    if not spec.enabled or current is None:
        return current, prev
    if util is None:
        # Fail static like the HPA: never scale down on unknown; pre-warm floors still apply.
        desired = min(spec.max, max(current, floor, spec.min))
        return desired, _record_replicas(prev, current, desired, now)
    raw = hpa_desired(current, util, spec.target_utilization, spec.tolerance)
    horizon = now - timedelta(seconds=spec.scale_down_stabilization_seconds)
    recs = (*tuple((t, r) for t, r in prev.recommendations if t > horizon), (now, raw))
    rec = stabilized_down(current, raw, [r for _, r in recs])
    rec = max(rec, floor)
    desired = limit_step(current, rec, spec, list(prev.replica_history), now)
    desired = min(spec.max, max(spec.min, desired))
    state = replace(prev, recommendations=recs)
    return desired, _record_replicas(state, current, desired, now)


def _record_replicas(prev: EngineState, current: int, desired: int, now: datetime) -> EngineState:
    history = prev.replica_history
    if not history:
        history = ((now, current),)
    if desired != history[-1][1]:
        history = (*history, (now, desired))
    cutoff = now - timedelta(seconds=1800)
    kept = tuple((t, r) for t, r in history if t > cutoff)
    history = kept if kept else history[-1:]
    return replace(prev, replicas=desired, replica_history=history)


def decide(
    policy: OverflowPolicySpec,
    sample: MetricSample,
    schedule: list[UpcomingExam],
    previous: EngineState,
    now: datetime,
) -> tuple[Decision, EngineState]:
    """Evaluate ``policy`` once at ``now``; pure and deterministic."""
    exams = _active_exams(policy, schedule, now)
    base: Mode = "prewarm" if exams else "cluster"
    prewarm_replicas, provisioned = _prewarm_targets(policy, exams)
    prev = previous if previous.mode_since is not None else replace(previous, mode_since=now)
    if sample.utilization is None:
        mode, state, reasons = _outage_mode(policy, prev, now, base)
        metrics_available = False
    else:
        mode, state, reasons = _next_mode(policy, sample, prev, now, base)
        state = replace(
            state, last_good_at=now, outage_since=None, last_utilization=sample.utilization
        )
        metrics_available = True
    if mode == "cluster" and prev.mode == "prewarm" and not exams:
        reasons.append("pre-warm window over")
    if exams:
        names = ", ".join(f"{e.exam_id} ({e.expected_candidates})" for e in exams)
        reasons.append(
            f"pre-warm for {names}: replicas >= {prewarm_replicas}, provisioned {provisioned}"
        )
    if mode != prev.mode:
        state = replace(state, mode_since=now, transitions=prev.transitions + 1)
    current = sample.current_replicas if sample.current_replicas is not None else prev.replicas
    replicas, state = _replicas(
        policy.replicas, sample.utilization, current, prewarm_replicas, state, now
    )
    generation = max(prev.generation + 1, int(now.timestamp() * 1000))
    state = replace(state, mode=mode, generation=generation)
    decision = Decision(
        mode=mode,
        previous_mode=prev.mode,
        reasons=tuple(reasons),
        utilization=sample.utilization,
        metrics_available=metrics_available,
        grader_replicas=replicas,
        max_lambda_concurrency=policy.lambda_.max_concurrency if mode != "cluster" else 0,
        provisioned_concurrency=provisioned,
        batch_size=policy.lambda_.batch_size,
        generation=generation,
        issued_at=now,
        valid_until=now + timedelta(seconds=policy.decision_ttl_seconds),
        dry_run=policy.dry_run,
        prewarm_exams=tuple(e.exam_id for e in exams),
    )
    return decision, state
