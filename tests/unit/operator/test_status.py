"""Status and conditions built from a decision (pure)."""

from __future__ import annotations

from datetime import timedelta

from autoscaler_operator.status import build_status, invalid_status, status_changed

from .engine_helpers import T0, make_policy, run


def test_conditions_keep_their_transition_time_while_status_holds():
    policy = make_policy()
    decisions = run(policy, [0.3, 0.3, None])
    first = build_status(policy, decisions[0], (), None, T0, 1)
    later = build_status(policy, decisions[1], (), first, T0 + timedelta(seconds=1), 1)
    ready = {c["type"]: c for c in later["conditions"]}
    assert ready["Ready"]["lastTransitionTime"] == first["conditions"][0]["lastTransitionTime"]
    assert ready["Ready"]["observedGeneration"] == 1
    outage = build_status(policy, decisions[2], (), later, T0 + timedelta(seconds=2), 1)
    conds = {c["type"]: c for c in outage["conditions"]}
    assert conds["MetricsAvailable"]["status"] == "False"
    assert conds["MetricsAvailable"]["reason"] == "MetricsUnknown"
    assert conds["MetricsAvailable"]["lastTransitionTime"] == "2026-11-29T17:00:02Z"
    assert outage["utilization"] == "unknown"


def test_overflow_status_and_failed_actions():
    policy = make_policy()
    decision = run(policy, [0.9, 0.9, 0.9])[-1]
    status = build_status(policy, decision, ("scaling failed",), None, T0, 3)
    conds = {c["type"]: c for c in status["conditions"]}
    assert status["mode"] == "overflow"
    assert status["spilling"] is True
    assert status["threshold"] == "0.70"
    assert conds["Overflowing"]["status"] == "True"
    assert conds["Ready"]["status"] == "False"
    assert conds["Ready"]["reason"] == "ActionFailed"
    assert "scaling failed" in conds["Ready"]["message"]


def test_invalid_spec_status_names_the_problem():
    status = invalid_status(["spec: releaseThreshold must be below"], None, T0, 2)
    assert status["conditions"][0]["reason"] == "InvalidSpec"
    assert status["conditions"][0]["status"] == "False"


def test_only_the_decision_generation_changing_does_not_count_as_a_change():
    policy = make_policy()
    a, b = run(policy, [0.3, 0.3])
    old = build_status(policy, a, (), None, T0, 1)
    new = build_status(policy, b, (), old, T0 + timedelta(seconds=1), 1)
    assert not status_changed(new, old)
