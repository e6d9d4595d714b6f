"""Property-based tests of the decision engine: no flapping, bounded reaction, outage, HPA math."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autoscaler_operator.replicas import hpa_desired

from .engine_helpers import make_policy, run, transitions

utilization = st.floats(min_value=0.0, max_value=1.5, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(
    series=st.lists(utilization, min_size=1, max_size=120),
    enter=st.integers(min_value=0, max_value=6),
    leave=st.integers(min_value=0, max_value=10),
)
def test_consecutive_transitions_are_at_least_one_dwell_window_apart(series, enter, leave):
    policy = make_policy(stabilization={"enterSeconds": enter, "leaveSeconds": leave})
    decisions = run(policy, series)
    moments = [i for i, d in enumerate(decisions) if d.transition]
    for a, b in itertools.pairwise(moments):
        window = leave if decisions[a].mode == "overflow" else enter
        assert b - a >= max(window, 1)


@settings(max_examples=80, deadline=None)
@given(
    series=st.lists(st.floats(min_value=0.60, max_value=0.6999), min_size=1, max_size=200),
    start_hot=st.booleans(),
)
def test_noise_inside_the_dead_band_never_changes_mode(series, start_hot):
    policy = make_policy()
    prefix = [0.9, 0.9, 0.9] if start_hot else [0.1]
    decisions = run(policy, prefix + series)
    assert transitions(decisions[len(prefix) :]) == 0


@settings(max_examples=40, deadline=None)
@given(
    noise=st.lists(st.floats(min_value=-0.09, max_value=0.09), min_size=50, max_size=300),
)
def test_noise_around_the_threshold_flaps_at_most_once_per_dwell_pair(noise):
    # Samples scatter +-0.09 around 0.70 (release 0.60, enter 2 s, leave 5 s, interval 1 s).
    policy = make_policy()
    decisions = run(policy, [0.70 + n for n in noise])
    assert transitions(decisions) <= 2 * math.ceil(len(noise) / (2 + 5)) + 1


@settings(max_examples=80, deadline=None)
@given(
    prefix=st.lists(st.floats(min_value=0.0, max_value=0.59), max_size=30),
    hot=st.floats(min_value=0.70, max_value=1.5),
    enter=st.floats(min_value=0.0, max_value=10.0),
    interval=st.sampled_from([0.5, 1.0, 2.0, 5.0]),
)
def test_sustained_heat_reaches_overflow_within_enter_window_plus_one_interval(
    prefix, hot, enter, interval
):
    policy = make_policy(
        stabilization={"enterSeconds": enter, "leaveSeconds": 5},
        evaluationIntervalSeconds=interval,
    )
    steps = math.ceil(enter / interval) + 2
    decisions = run(policy, prefix + [hot] * steps, interval=interval)
    first = next(i for i, d in enumerate(decisions) if d.mode == "overflow")
    reaction = (first - len(prefix)) * interval
    assert 0 <= reaction <= enter + interval
    # and never before the window has elapsed (up to the jitter slack of 10% of an interval)
    assert reaction >= enter - 0.1 * interval


@settings(max_examples=80, deadline=None)
@given(
    hot_prefix=st.booleans(),
    gap=st.integers(min_value=1, max_value=9),
    grace=st.integers(min_value=10, max_value=30),
    behavior=st.sampled_from(["hold", "cluster", "overflow"]),
)
def test_outage_shorter_than_grace_keeps_the_mode(hot_prefix, gap, grace, behavior):
    policy = make_policy(outage={"behavior": behavior, "gracePeriodSeconds": grace})
    prefix = [0.9] * 3 if hot_prefix else [0.1] * 3
    decisions = run(policy, prefix + [None] * gap)
    before = decisions[len(prefix) - 1].mode
    assert all(d.mode == before for d in decisions[len(prefix) :])


@settings(max_examples=300, deadline=None)
@given(
    current=st.integers(min_value=1, max_value=200),
    util=st.floats(min_value=0.0, max_value=3.0, allow_nan=False),
    target=st.floats(min_value=0.05, max_value=1.0),
    tolerance=st.sampled_from([0.0, 0.05, 0.1, 0.2]),
)
def test_replica_math_is_the_hpa_formula(current, util, target, tolerance):
    ratio = util / target
    expected = current if abs(ratio - 1) <= tolerance else math.ceil(current * util / target)
    assert hpa_desired(current, util, target, tolerance) == expected


@settings(max_examples=80, deadline=None)
@given(
    current=st.integers(min_value=1, max_value=50),
    util=st.floats(min_value=0.0, max_value=2.0, allow_nan=False),
)
def test_engine_replicas_equal_the_clamped_hpa_formula_without_step_limits(current, util):
    policy = make_policy(
        replicas={
            "min": 2, "max": 60, "targetUtilization": 0.6, "tolerance": 0.1,
            "scaleUp": {"pods": 1000, "percent": 1000}, "scaleDown": {"pods": 1000},
            "scaleDownStabilizationSeconds": 0,
        }
    )  # fmt: skip
    decision = run(policy, [util], replicas=current)[0]
    ratio = util / 0.6
    raw = current if abs(ratio - 1) <= 0.1 else math.ceil(current * ratio)
    assert decision.grader_replicas == min(60, max(2, raw))


@settings(max_examples=80, deadline=None)
@given(
    current=st.integers(min_value=1, max_value=100),
    util=st.floats(min_value=0.7, max_value=5.0),
    pods=st.integers(min_value=0, max_value=10),
    percent=st.integers(min_value=0, max_value=200),
)
def test_scale_up_never_exceeds_the_step_limit(current, util, pods, percent):
    policy = make_policy(
        replicas={"min": 1, "max": 10_000, "scaleUp": {"pods": pods, "percent": percent}}
    )
    decision = run(policy, [util], replicas=current)[0]
    limit = max(current + pods, math.ceil(current * (1 + percent / 100)))
    assert current <= decision.grader_replicas <= limit
