"""The pure decision engine: hysteresis, queue spill, outage, pre-warm, generations (tables)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from autoscaler_operator.decision import UpcomingExam

from .engine_helpers import T0, make_policy, modes, run


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        # enter needs >= 0.70 held for 2 s (three samples at 1 s), leave needs < 0.60 for 5 s
        ([0.5, 0.8, 0.8, 0.8, 0.8], "cccOO"),
        ([0.5, 0.8, 0.8, 0.5, 0.8, 0.8], "cccccc"),  # a dip restarts the enter window
        ([0.7, 0.7, 0.7], "ccO"),  # the threshold itself is hot
        ([0.69, 0.69, 0.69, 0.69], "cccc"),
        ([0.8, 0.8, 0.8, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65], "ccOOOOOOOO"),  # dead band
        ([0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], "ccOOOOOOcc"),
        ([0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.62, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], "ccOOOOOOOOOOc"),
    ],
)
def test_hysteresis_table(series, expected):
    assert modes(run(make_policy(), series)) == expected


def test_zero_enter_window_reacts_on_first_hot_sample():
    policy = make_policy(stabilization={"enterSeconds": 0, "leaveSeconds": 5})
    assert modes(run(policy, [0.5, 0.9])) == "cO"


def test_reasons_name_the_threshold_and_window():
    decisions = run(make_policy(), [0.8, 0.8, 0.8])
    assert "waiting for stabilization" in decisions[0].reasons[0]
    assert decisions[2].reasons[0].startswith("utilization 0.80 >= 0.70 for 2.0s")


def test_queue_age_over_objective_spills_even_at_low_utilization():
    policy = make_policy(queueSpill={"enabled": True, "latencyObjectiveSeconds": 10})
    decisions = run(policy, [0.3, 0.3, 0.3, 0.3], ages=[1.0, 12.0, 15.0, 20.0])
    assert modes(decisions) == "cccO"
    assert "oldest pending job 20.0s >= objective 10s" in decisions[-1].reasons[0]


def test_queue_hot_prevents_leaving_overflow():
    policy = make_policy(queueSpill={"enabled": True, "latencyObjectiveSeconds": 10})
    series = [0.9] * 3 + [0.1] * 8
    ages = [0.0] * 3 + [30.0] * 8
    assert modes(run(policy, series, ages=ages)) == "ccOOOOOOOOO"


@pytest.mark.parametrize(
    ("behavior", "expected"),
    [
        # overflow at t=2, metrics vanish at t=4; grace 5 s counts from the last good sample (t=3)
        ("cluster", "ccOOOOOOccc"),
        ("hold", "ccOOOOOOOOO"),
        ("overflow", "ccOOOOOOOOO"),
    ],
)
def test_outage_holds_for_the_grace_period_then_applies_the_behaviour(behavior, expected):
    policy = make_policy(outage={"behavior": behavior, "gracePeriodSeconds": 5})
    series: list[float | None] = [0.9, 0.9, 0.9, 0.9] + [None] * 7
    decisions = run(policy, series)
    assert modes(decisions) == expected
    assert all(d.utilization is None and not d.metrics_available for d in decisions[4:])
    assert "unknown" in decisions[-1].reasons[0]


def test_outage_overflow_behaviour_spills_from_cluster_after_grace():
    policy = make_policy(outage={"behavior": "overflow", "gracePeriodSeconds": 2})
    # unknown for 2 s (counted from the last good sample at t=0) at t=2
    assert modes(run(policy, [0.2, None, None, None, None])) == "ccOOO"


def test_unknown_is_never_read_as_zero_so_overflow_is_not_left_during_outage():
    policy = make_policy(outage={"behavior": "hold", "gracePeriodSeconds": 1})
    decisions = run(policy, [0.9, 0.9, 0.9] + [None] * 20 + [0.9])
    assert modes(decisions) == "cc" + "O" * 22


def test_dwell_restarts_after_an_outage():
    policy = make_policy(outage={"behavior": "hold", "gracePeriodSeconds": 30})
    # hot for 1 s, unknown, hot again: the enter window starts over after the gap
    assert modes(run(policy, [0.9, 0.9, None, 0.9, 0.9, 0.9])) == "cccccO"


def _exam(minutes: float, candidates: int = 500) -> UpcomingExam:
    return UpcomingExam("exam-1", T0 + timedelta(minutes=minutes), candidates)


def test_prewarm_starts_exactly_lead_time_before_opening_and_releases_after_hold():
    policy = make_policy(
        prewarm={"leadTimeSeconds": 300, "holdAfterStartSeconds": 60,
                 "candidatesPerReplica": 50, "candidatesPerLambda": 20},
        replicas={"min": 1, "max": 20},
        **{"lambda": {"maxConcurrency": 100}},
    )  # fmt: skip
    exam = _exam(10)  # opens at T0+600 s; window [300 s, 660 s)
    decisions = run(policy, [0.1] * 700, schedule=[exam], replicas=2)
    assert decisions[299].mode == "cluster"
    assert decisions[300].mode == "prewarm"
    assert decisions[659].mode == "prewarm"
    assert decisions[660].mode == "cluster"
    # replicas follow the decisions: idle cluster shrank to 1; step limit max(1 + 4, 2x) per 15 s
    assert decisions[299].grader_replicas == 1
    assert decisions[300].grader_replicas == 5
    assert decisions[315].grader_replicas == 10  # ceil(500 / 50)
    assert decisions[659].grader_replicas == 10  # held through the window
    assert decisions[700 - 1].grader_replicas < 10  # released after it
    assert decisions[300].provisioned_concurrency == 25  # ceil(500 / 20)
    assert decisions[300].max_lambda_concurrency == 100
    assert decisions[660].provisioned_concurrency == 0
    assert "pre-warm for exam-1 (500)" in decisions[300].reasons[-1]


def test_prewarm_capacity_is_bounded_by_replica_max_and_lambda_max():
    policy = make_policy(replicas={"min": 1, "max": 8}, **{"lambda": {"maxConcurrency": 30}})
    decisions = run(policy, [0.1] * 20, schedule=[_exam(1, 10_000)], replicas=2)
    assert decisions[0].mode == "prewarm"
    assert decisions[0].grader_replicas == 6  # step limit: max(2 + 4, 2 * 2)
    assert decisions[-1].grader_replicas == 8  # replicas.max
    assert decisions[0].provisioned_concurrency == 30


def test_overflow_during_prewarm_returns_to_prewarm_not_cluster():
    policy = make_policy()
    series = [0.9, 0.9, 0.9] + [0.1] * 7
    decisions = run(policy, series, schedule=[_exam(5)])
    assert modes(decisions) == "ppOOOOOOpp"


def test_dry_run_decisions_are_computed_but_never_spill():
    decisions = run(make_policy(dryRun=True), [0.9, 0.9, 0.9])
    assert decisions[-1].mode == "overflow"
    assert decisions[-1].dry_run
    assert not decisions[-1].spilling


def test_generations_increase_strictly_and_expiry_follows_ttl():
    decisions = run(make_policy(decisionTtlSeconds=7), [0.5] * 5, interval=0.0001)
    gens = [d.generation for d in decisions]
    assert gens == sorted(set(gens))
    assert decisions[0].valid_until - decisions[0].issued_at == timedelta(seconds=7)


def test_cluster_mode_offers_no_lambda_concurrency():
    decisions = run(make_policy(), [0.9, 0.9, 0.9])
    assert decisions[0].max_lambda_concurrency == 0
    assert decisions[-1].max_lambda_concurrency == 50


def test_evaluation_jitter_does_not_cost_an_extra_interval():
    policy = make_policy(stabilization={"enterSeconds": 1, "leaveSeconds": 5})
    # evaluations 0.97 s apart: the second hot sample is "1 s" later within the jitter slack
    assert modes(run(policy, [0.9, 0.9], interval=0.97)) == "cO"
    assert modes(run(policy, [0.9, 0.9], interval=0.85)) == "cc"
