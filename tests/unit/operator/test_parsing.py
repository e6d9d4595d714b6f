"""Pure parsing at the edges: schedule payloads, validation messages, policy documents."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from autoscaler_operator.adapters.prometheus import scalar_of
from autoscaler_operator.adapters.schedule import parse_schedule
from autoscaler_operator.errors import InvalidPolicyError, ScheduleUnavailableError
from autoscaler_operator.local import load_policy_document
from autoscaler_operator.policy import parse_policy
from autoscaler_operator.runtime import validation_problems


def test_schedule_accepts_a_list_or_an_envelope():
    entry = {"exam_id": "e1", "opens_at": "2026-11-29T18:00:00Z", "expected_candidates": 40}
    assert parse_schedule([entry])[0].expected_candidates == 40
    assert parse_schedule({"exams": [entry]})[0].exam_id == "e1"


@pytest.mark.parametrize(
    "payload",
    [
        {"detail": "nope"},
        [{"exam_id": "e1", "opens_at": "2026-11-29T18:00:00", "expected_candidates": 4}],  # naive
        [{"exam_id": "e1", "opens_at": "2026-11-29T18:00:00Z", "expected_candidates": -1}],
    ],
)
def test_schedule_rejects_malformed_payloads(payload):
    with pytest.raises(ScheduleUnavailableError):
        parse_schedule(payload)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ([], None),
        ([{"value": [0, "NaN"]}], None),
        ([{"value": [0, "+Inf"]}], None),
        ([{"value": [0, "oops"]}], None),
        ([{"metric": {}}], None),
        ([{"value": [0, "0"]}], 0.0),
        ([{"value": [0, "0.4"]}, {"value": [0, "0.8"]}], 0.8),  # several series: the hottest
    ],
)
def test_prometheus_results_map_failures_to_unknown(result, expected):
    value = scalar_of(result)
    assert value == expected
    assert value is None or not math.isnan(value)


def test_validation_problems_name_the_manifest_path():
    with pytest.raises(ValidationError) as info:
        parse_policy({"stabilization": {"enterSeconds": -1}})
    assert validation_problems(info.value)[0].startswith("spec.stabilization.enterSeconds:")


def test_policy_documents_need_the_right_kind_and_give_a_key():
    key, spec = load_policy_document(
        {"kind": "OverflowPolicy", "metadata": {"name": "p", "namespace": "n"}, "spec": {}}
    )
    assert key == "n/p"
    assert spec.overflow_threshold == 0.7
    with pytest.raises(InvalidPolicyError):
        load_policy_document({"kind": "Deployment"})
    with pytest.raises(InvalidPolicyError):
        load_policy_document({"kind": "OverflowPolicy", "spec": {"dryRun": "maybe"}})
