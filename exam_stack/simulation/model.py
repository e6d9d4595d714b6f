"""The time-stepped fluid model behind the what-if simulator.

Per tick of ``dt`` seconds: arrivals join a FIFO backlog of cohorts; cluster graders (replicas ×
slots, new replicas ready after ``pod_start_s``) and, while the controller says "overflow",
Lambda environments (cold starts, warm reuse, a scaling-rate limit and a reserved-concurrency
ceiling) drain it from the head. The controller (the operator's real decision engine, through
`exam_stack.simulation.controller`) sees what Prometheus would: utilization averaged over
a scrape interval and delayed by it, the backlog and its oldest age.

Invariants (tested): work is conserved (arrived = graded + backlog), the backlog never goes
negative, and a run is a pure function of (scenario, calibration, controller, seed).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assessment_engine.overflow.cost import LIST_PRICES
from exam_stack.simulation.scenario import Scenario, arrivals

# Lambda prices come from the dispatcher's cost model (assessment_engine.overflow.cost): on-demand
# duration (cold-start init included, as AWS bills it since August 2025), requests, provisioned
# concurrency and the provisioned duration rate.
VCPU_HOUR_USD = 0.0425  # on-demand general-purpose instance price per vCPU-hour (m7i, us-east-1)

# Time-to-grade histogram: 0.05 s .. ~3 h, log-spaced.
LATENCY_BINS = np.concatenate([[0.0], np.geomspace(0.05, 10_800.0, 400), [np.inf]])


class Calibration(BaseModel):
    """Service times and platform constants; `calibrate` fits them from a measured run."""

    model_config = ConfigDict(frozen=True)

    worker_service_s: float = Field(default=0.05, gt=0, description="Slot-seconds per submission.")
    worker_slots: int = Field(default=2, ge=1, description="Concurrent gradings per replica.")
    pod_start_s: float = Field(default=20.0, ge=0)
    lambda_service_s: float = Field(default=0.04, gt=0, description="Seconds per submission.")
    lambda_invoke_overhead_s: float = Field(default=0.02, ge=0, description="Per invocation.")
    lambda_cold_start_s: float = Field(default=0.6, ge=0)
    lambda_keep_warm_s: float = Field(default=300.0, gt=0)
    lambda_scale_rate_per_s: float = Field(default=100.0, gt=0, description="+1,000 envs / 10 s.")
    lambda_reserved_concurrency: int = Field(default=1000, ge=0)
    lambda_memory_mb: int = Field(default=1024, ge=128)
    scrape_interval_s: float = Field(default=1.0, gt=0)
    vcpu_per_replica: float = Field(default=1.0, gt=0)


@dataclass(frozen=True)
class Observation:
    now_s: float
    utilization: float | None
    queue_length: float
    oldest_pending_age_s: float
    replicas: int


@dataclass(frozen=True)
class Control:
    mode: str
    replicas: int
    max_lambda_concurrency: int
    batch_size: int
    provisioned_concurrency: int = 0


class Controller(Protocol):
    """What the simulator asks of a policy: one decision per evaluation interval."""

    @property
    def name(self) -> str: ...

    @property
    def interval_s(self) -> float: ...

    def initial(self) -> Control: ...

    def step(self, obs: Observation, scenario: Scenario) -> Control: ...


@dataclass
class Timeline:
    t: list[float] = field(default_factory=list)
    utilization: list[float] = field(default_factory=list)
    backlog: list[float] = field(default_factory=list)
    oldest_age: list[float] = field(default_factory=list)
    replicas: list[int] = field(default_factory=list)
    lambda_envs: list[float] = field(default_factory=list)
    mode: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    policy: str
    arrived: float
    graded_cluster: float
    graded_lambda: float
    backlog_end: float
    latency_hist: np.ndarray
    peak_backlog: float
    max_oldest_age_s: float
    transitions: int
    lambda_gb_seconds: float
    lambda_requests: float
    lambda_cold_starts: float
    lambda_throttles: float
    provisioned_gb_seconds: float
    cluster_vcpu_seconds: float
    timeline: Timeline
    provisioned_duration_gb_seconds: float = 0.0
    """Invoke GB-seconds served by provisioned environments (billed at the provisioned rate)."""

    @property
    def graded(self) -> float:
        return self.graded_cluster + self.graded_lambda

    @property
    def lambda_share(self) -> float:
        return self.graded_lambda / self.graded if self.graded else 0.0

    @property
    def lambda_cost_usd(self) -> float:
        return (
            self.lambda_gb_seconds * LIST_PRICES.gb_second
            + self.provisioned_duration_gb_seconds * LIST_PRICES.provisioned_duration_gb_second
            + self.lambda_requests * LIST_PRICES.request
            + self.provisioned_gb_seconds * LIST_PRICES.provisioned_gb_second
        )

    @property
    def cluster_cost_usd(self) -> float:
        return self.cluster_vcpu_seconds / 3600.0 * VCPU_HOUR_USD

    def percentile(self, q: float) -> float:
        """Time-to-grade percentile (seconds) from the histogram (upper bin edge)."""
        total = self.latency_hist.sum()
        if total <= 0:
            return float("nan")
        idx = int(np.searchsorted(np.cumsum(self.latency_hist), q / 100.0 * total))
        return float(LATENCY_BINS[min(idx + 1, len(LATENCY_BINS) - 2)])

    def slo_attainment(self, slo_s: float) -> float:
        total = self.latency_hist.sum()
        if total <= 0:
            return float("nan")
        within = self.latency_hist[: int(np.searchsorted(LATENCY_BINS, slo_s, side="right")) - 1]
        return float(within.sum() / total)


class _Backlog:
    """FIFO cohorts ``[arrival_time, submissions, work_per_submission]``."""

    def __init__(self) -> None:
        self.cohorts: deque[list[float]] = deque()
        self.submissions = 0.0
        self.work = 0.0

    def add(self, t: float, subs: float, work: float) -> None:
        if subs > 1e-12:
            self.cohorts.append([t, subs, work / subs])
            self.submissions += subs
            self.work += work

    def oldest_age(self, now: float) -> float:
        return now - self.cohorts[0][0] if self.cohorts else 0.0

    def serve(
        self, work_budget: float, now: float, service_s: float, extra_s: float, hist: np.ndarray
    ) -> tuple[float, float]:
        """Serve up to ``work_budget`` work units from the head; returns (submissions, work)."""
        served = 0.0
        spent = 0.0
        while work_budget > 1e-12 and self.cohorts:
            cohort = self.cohorts[0]
            t0, subs, wps = cohort
            take = min(subs, work_budget / wps)
            done = subs - take <= 1e-9 * max(1.0, subs)  # float residue: the cohort is done
            if done:
                take = subs
            latency = now - t0 + wps * service_s + extra_s
            hist[
                min(int(np.searchsorted(LATENCY_BINS, latency, side="right")) - 1, len(hist) - 1)
            ] += take
            served += take
            spent += take * wps
            work_budget -= take * wps
            if done:
                self.cohorts.popleft()
            else:
                cohort[1] = subs - take
        self.submissions = max(0.0, self.submissions - served) if self.cohorts else 0.0
        self.work = max(0.0, self.work - spent) if self.cohorts else 0.0
        return served, spent


class _Cluster:
    """Grader replicas: ready ones serve, requested ones become ready after ``pod_start_s``."""

    def __init__(self, replicas: int, pod_start_s: float) -> None:
        self.ready = float(replicas)
        self.pending: deque[tuple[float, int]] = deque()
        self.pod_start_s = pod_start_s

    def tick(self, now: float) -> None:
        while self.pending and self.pending[0][0] <= now:
            self.ready += self.pending.popleft()[1]

    @property
    def requested(self) -> float:
        return self.ready + sum(c for _, c in self.pending)

    def scale_to(self, target: int, now: float) -> None:
        planned = round(self.ready) + sum(c for _, c in self.pending)
        if target > planned:
            self.pending.append((now + self.pod_start_s, target - planned))
            return
        drop = planned - target
        while drop and self.pending:
            t_ready, count = self.pending.pop()
            cut = min(count, drop)
            drop -= cut
            if count > cut:
                self.pending.append((t_ready, count - cut))
        self.ready = max(0.0, self.ready - drop)


class _Lambda:
    """Execution environments: cold ones become warm after the cold start; idle ones expire."""

    def __init__(self, cal: Calibration, provisioned: int) -> None:
        self.cal = cal
        self.warm = float(provisioned)
        self.cold: deque[tuple[float, float]] = deque()
        self.mem_gb = cal.lambda_memory_mb / 1024.0

    def capacity(self, control: Control, now: float, dt: float, totals: dict[str, float]) -> float:
        """Work units the environments can grade this tick (and account cold starts/throttles)."""
        cal = self.cal
        while self.cold and self.cold[0][0] <= now:
            self.warm += self.cold.popleft()[1]
        limit = min(control.max_lambda_concurrency, cal.lambda_reserved_concurrency)
        if control.max_lambda_concurrency > limit:
            excess = control.max_lambda_concurrency - limit
            totals["thr"] += excess * dt / max(cal.lambda_service_s, 1e-3)
        starting = sum(c for _, c in self.cold)
        new = min(max(0.0, limit - self.warm - starting), cal.lambda_scale_rate_per_s * dt)
        if new > 0:
            self.cold.append((now + cal.lambda_cold_start_s, new))
            totals["cold"] += new
            totals["gbs"] += new * cal.lambda_cold_start_s * self.mem_gb
        busy = min(self.warm, float(limit))
        return busy * dt / self.per_submission(control)

    def per_submission(self, control: Control) -> float:
        return self.cal.lambda_service_s + self.cal.lambda_invoke_overhead_s / max(
            1, control.batch_size
        )

    def cool_down(self, control: Control, busy: float, dt: float) -> None:
        floor = float(control.provisioned_concurrency)
        idle = max(0.0, self.warm - busy - floor)
        self.warm = max(self.warm - idle * min(1.0, dt / self.cal.lambda_keep_warm_s), floor)


def simulate(
    scenario: Scenario,
    calibration: Calibration,
    controller: Controller,
    *,
    dt: float = 1.0,
    seed: int = 0,
    timeline_every_s: float = 10.0,
) -> RunResult:
    """Run ``scenario`` under ``controller``; deterministic for (inputs, seed)."""
    counts, work = arrivals(scenario, dt, seed)
    cal = calibration
    hist = np.zeros(len(LATENCY_BINS) - 1)
    backlog = _Backlog()
    control = controller.initial()
    cluster = _Cluster(control.replicas, cal.pod_start_s)
    lam = _Lambda(cal, control.provisioned_concurrency)
    window = max(1, round(cal.scrape_interval_s / dt))
    busy_ring: deque[float] = deque(maxlen=window)
    lagged: deque[float] = deque(maxlen=window + 1)
    busy_sum = 0.0
    timeline = Timeline()
    next_eval = next_timeline = 0.0
    totals = dict.fromkeys(
        ("cluster", "lam", "gbs", "gbs_pc", "req", "cold", "thr", "prov", "vcpu"), 0.0
    )
    peak_backlog = max_age = 0.0
    transitions = 0
    for tick in range(len(counts)):
        now = tick * dt
        backlog.add(now, float(counts[tick]), float(work[tick]))
        cluster.tick(now)
        cluster_capacity = cluster.ready * cal.worker_slots * dt / cal.worker_service_s
        lam_capacity = envs_busy = 0.0
        if control.mode == "overflow" and backlog.submissions > 0:
            lam_capacity = lam.capacity(control, now, dt, totals)
            envs_busy = min(lam.warm, float(control.max_lambda_concurrency))
        budget = min(cluster_capacity, backlog.work)
        served_c, _ = backlog.serve(budget, now, cal.worker_service_s, 0.0, hist)
        totals["cluster"] += served_c
        if lam_capacity > 0:
            per_sub = lam.per_submission(control)
            served_l, work_l = backlog.serve(
                min(lam_capacity, backlog.work), now, per_sub, 0.0, hist
            )
            gbs = work_l * per_sub * lam.mem_gb
            # the share of busy environments that are provisioned pays the provisioned rate
            pc_share = min(float(control.provisioned_concurrency), envs_busy) / max(envs_busy, 1e-9)
            totals["gbs_pc"] += gbs * pc_share
            totals["gbs"] += gbs * (1.0 - pc_share)
            totals["req"] += served_l / max(1, control.batch_size)
            totals["lam"] += served_l
        if len(busy_ring) == busy_ring.maxlen:
            busy_sum -= busy_ring[0]
        busy_ring.append(min(1.0, budget / cluster_capacity) if cluster_capacity > 0 else 1.0)
        busy_sum += busy_ring[-1]
        lagged.append(busy_sum / len(busy_ring))
        if control.mode != "overflow":
            lam.cool_down(control, envs_busy, dt)
        totals["prov"] += control.provisioned_concurrency * lam.mem_gb * dt
        totals["vcpu"] += cluster.requested * cal.vcpu_per_replica * dt
        peak_backlog = max(peak_backlog, backlog.submissions)
        max_age = max(max_age, backlog.oldest_age(now))
        if now + 1e-9 >= next_eval:
            obs = Observation(
                now_s=now,
                utilization=lagged[0],
                queue_length=backlog.submissions,
                oldest_pending_age_s=backlog.oldest_age(now),
                replicas=round(cluster.ready),
            )
            previous_mode = control.mode
            control = controller.step(obs, scenario)
            cluster.scale_to(control.replicas, now)
            transitions += control.mode != previous_mode
            next_eval = now + controller.interval_s
        if now + 1e-9 >= next_timeline:
            timeline.t.append(now)
            timeline.utilization.append(busy_sum / len(busy_ring))
            timeline.backlog.append(backlog.submissions)
            timeline.oldest_age.append(backlog.oldest_age(now))
            timeline.replicas.append(round(cluster.ready))
            timeline.lambda_envs.append(envs_busy)
            timeline.mode.append(control.mode)
            next_timeline = now + timeline_every_s
    return RunResult(
        policy=controller.name,
        arrived=float(counts.sum()),
        graded_cluster=totals["cluster"],
        graded_lambda=totals["lam"],
        backlog_end=backlog.submissions,
        latency_hist=hist,
        peak_backlog=peak_backlog,
        max_oldest_age_s=max_age,
        transitions=transitions,
        lambda_gb_seconds=totals["gbs"],
        lambda_requests=totals["req"],
        lambda_cold_starts=totals["cold"],
        lambda_throttles=totals["thr"],
        provisioned_gb_seconds=totals["prov"],
        provisioned_duration_gb_seconds=totals["gbs_pc"],
        cluster_vcpu_seconds=totals["vcpu"],
        timeline=timeline,
    )
