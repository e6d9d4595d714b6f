"""Invariants of the what-if simulator and its use of the operator's real decision engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from exam_stack.simulation.controller import OperatorController, policy_from_overrides
from exam_stack.simulation.model import Calibration, simulate
from exam_stack.simulation.policies import default_candidates, platform_base
from exam_stack.simulation.scenario import ExamSpec, Scenario, arrivals, local_surge

LOCAL_BASE = {
    "lambda": {"functionName": "exam-grader", "maxConcurrency": 8},
    "evaluationIntervalSeconds": 1,
    "prewarm": {"enabled": False},
}


def controller(overflow: bool = True, **extra) -> OperatorController:
    return OperatorController("p", policy_from_overrides({**LOCAL_BASE, **extra}), overflow)


def test_arrivals_deliver_every_candidate_exactly_once():
    scenario = local_surge(1234, 60.0)
    counts, work = arrivals(scenario, 0.5, seed=3)
    assert counts.sum() == pytest.approx(1234)
    assert (counts >= 0).all()
    assert work.sum() == pytest.approx(1234)


@pytest.mark.parametrize("students", [0, 1, 2, 3, 5, 8])
@pytest.mark.parametrize("seed", range(10))
def test_every_small_cohort_arrives_in_full(students, seed):
    counts, work = arrivals(local_surge(students, 56.0, tail_s=30), 0.5, seed=seed)
    assert counts.sum() == pytest.approx(students, abs=1e-9)
    assert work.sum() == pytest.approx(students, abs=1e-9)


def test_deadline_rush_puts_most_arrivals_in_the_final_window():
    scenario = local_surge(10_000, 100.0, rush_share=0.8, rush_window_s=20)
    counts, _ = arrivals(scenario, 1.0, seed=1)
    assert counts[80:100].sum() / counts.sum() > 0.8


@settings(max_examples=25, deadline=None)
@given(
    students=st.integers(0, 3000),
    duration=st.floats(5, 120),
    seed=st.integers(0, 1000),
    overflow=st.booleans(),
)
@example(students=1, duration=56.0, seed=0, overflow=False)  # once lost its only arrival
@example(students=0, duration=30.0, seed=0, overflow=True)
@example(students=2, duration=5.0, seed=1, overflow=True)
def test_work_is_conserved_and_backlog_never_negative(students, duration, seed, overflow):
    scenario = local_surge(students, duration, tail_s=30)
    result = simulate(
        scenario, Calibration(), controller(overflow), dt=0.5, seed=seed, timeline_every_s=0.5
    )
    assert result.arrived == pytest.approx(students, abs=1e-6)
    total = result.graded_cluster + result.graded_lambda + result.backlog_end
    assert total == pytest.approx(result.arrived, rel=1e-9, abs=1e-6)
    assert min(result.timeline.backlog, default=0) >= 0
    assert result.latency_hist.sum() == pytest.approx(result.graded, rel=1e-9, abs=1e-6)
    if not overflow:
        assert result.graded_lambda == 0


def test_same_seed_same_result_different_seed_different_trace():
    scenario = local_surge(2000, 60.0)
    a = simulate(scenario, Calibration(), controller(), seed=5)
    b = simulate(scenario, Calibration(), controller(), seed=5)
    c = simulate(scenario, Calibration(), controller(), seed=6)
    assert np.array_equal(a.latency_hist, b.latency_hist)
    assert a.timeline.mode == b.timeline.mode
    assert (a.graded_lambda, a.transitions) == (b.graded_lambda, b.transitions)
    assert not np.array_equal(a.latency_hist, c.latency_hist)


def test_overflow_cuts_time_to_grade_when_the_cluster_saturates():
    scenario = local_surge(3000, 60.0)
    cal = Calibration(worker_service_s=0.05, worker_slots=2)
    cluster = simulate(scenario, cal, controller(overflow=False), seed=1)
    spill = simulate(scenario, cal, controller(overflow=True), seed=1)
    assert cluster.graded_lambda == 0
    assert spill.lambda_share > 0.2
    assert spill.percentile(95) < cluster.percentile(95) / 2
    assert spill.peak_backlog < cluster.peak_backlog
    assert spill.lambda_cost_usd > 0


def test_quiet_load_never_enters_overflow():
    scenario = Scenario(
        name="quiet",
        horizon_s=600,
        exams=(
            ExamSpec(exam_id="e", opens_at_s=0, duration_s=500, candidates=300, rush_share=0.0),
        ),
    )
    result = simulate(scenario, Calibration(), controller(), seed=2)
    assert result.graded_lambda == 0
    assert result.transitions == 0
    assert set(result.timeline.mode) == {"cluster"}
    # no float residue left behind as a phantom cohort whose age keeps growing
    assert result.backlog_end == 0
    assert result.max_oldest_age_s < 5


def test_prewarm_mode_starts_before_the_exam_opens():
    scenario = Scenario(
        name="scheduled",
        horizon_s=1200,
        exams=(ExamSpec(exam_id="e", opens_at_s=600, duration_s=300, candidates=500),),
    )
    ctl = controller(prewarm={"enabled": True, "leadTimeSeconds": 300})
    result = simulate(scenario, Calibration(), ctl, seed=1, timeline_every_s=10)
    modes = dict(zip(result.timeline.t, result.timeline.mode, strict=True))
    assert modes[200.0] == "cluster"
    assert modes[310.0] == "prewarm"


def test_default_candidates_cover_thresholds_and_a_cluster_only_baseline():
    names = [c.name for c in default_candidates(platform_base())]
    assert "cluster-only" in names
    assert {"overflow@0.60", "overflow@0.70", "overflow@0.80"} <= set(names)


def test_percentiles_and_slo_are_consistent():
    result = simulate(local_surge(1500, 40.0), Calibration(), controller(), seed=9)
    p50, p95 = result.percentile(50), result.percentile(95)
    assert p50 <= p95
    assert result.slo_attainment(p95) >= 0.95 - 1e-9
    assert not math.isnan(result.slo_attainment(60))


class _FixedOverflow:
    """Always overflowing with ``provisioned`` of 4 environments provisioned (no policy)."""

    name = "fixed"
    interval_s = 1.0

    def __init__(self, provisioned: int) -> None:
        from exam_stack.simulation.model import Control

        self.control = Control("overflow", 1, 4, 10, provisioned)

    def initial(self):
        return self.control

    def step(self, obs, scenario):
        return self.control


@pytest.mark.parametrize("provisioned", [0, 4])
def test_lambda_cost_bills_on_demand_init_and_provisioned_rates(provisioned):
    """On demand, every cold start's init is billed GB-seconds (AWS since Aug 2025); with all
    environments provisioned there are no per-invoke inits and every invoke GB-second pays the
    provisioned duration rate, plus the configured concurrency for the whole run."""
    from assessment_engine.overflow.cost import LIST_PRICES

    cal = Calibration(lambda_cold_start_s=2.0, lambda_memory_mb=1024)
    result = simulate(local_surge(2000, 60.0), cal, _FixedOverflow(provisioned), seed=1)
    assert result.graded_lambda > 0
    if provisioned:
        assert result.lambda_cold_starts == 0
        assert result.lambda_gb_seconds == pytest.approx(0.0, abs=1e-9)
        assert result.provisioned_duration_gb_seconds > 0
        assert result.provisioned_gb_seconds > 0
    else:
        assert result.lambda_cold_starts == pytest.approx(4)
        init_gb_s = result.lambda_cold_starts * cal.lambda_cold_start_s * 1.0
        assert result.lambda_gb_seconds > init_gb_s  # init billed on top of the invoke time
        assert result.provisioned_duration_gb_seconds == 0
    expected = (
        result.lambda_gb_seconds * LIST_PRICES.gb_second
        + result.provisioned_duration_gb_seconds * LIST_PRICES.provisioned_duration_gb_second
        + result.provisioned_gb_seconds * LIST_PRICES.provisioned_gb_second
        + result.lambda_requests * LIST_PRICES.request
    )
    assert result.lambda_cost_usd == pytest.approx(expected)
