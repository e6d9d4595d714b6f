"""Pure parts of the overflow path: back-off, cost, batch payloads, decision bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment_engine.grading import GRADER_VERSION
from assessment_engine.grading.submission import SubmissionGrade
from assessment_engine.overflow.backoff import Backoff
from assessment_engine.overflow.batch import split_response
from assessment_engine.overflow.cost import CostModel, billed_ms_from_log
from assessment_engine.overflow.decision_record import DecisionRecord
from assessment_engine.overflow.settings import (
    PRICE_PER_GB_SECOND,
    PRICE_PER_REQUEST,
    DispatcherSettings,
)
from assessment_engine.overflow.watcher import DecisionWatcher
from overflow_functions.local_lambda.config import FunctionConfig
from overflow_functions.local_lambda.wire import split_function_name

NOW = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def record(generation: int, mode: str = "overflow", valid_s: float = 10) -> DecisionRecord:
    return DecisionRecord.model_validate(
        {
            "queue": "grading",
            "policy": "exams/default",
            "generation": generation,
            "mode": mode,
            "max_lambda_concurrency": 4,
            "batch_size": 5,
            "function": "f",
            "issued_at": NOW,
            "valid_until": NOW + timedelta(seconds=valid_s),
        }
    )


def test_backoff_doubles_its_cap_up_to_the_maximum_and_resets_on_success() -> None:
    backoff = Backoff(0.1, 1.0, rand=lambda: 1.0)
    pauses = [backoff.failed(now=0.0) for _ in range(6)]
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.succeeded()
    assert backoff.cap() == 0.1


@given(st.floats(0, 1), st.integers(1, 30))
def test_backoff_pause_is_full_jitter_within_the_cap(rand: float, failures: int) -> None:
    backoff = Backoff(0.2, 10.0, rand=lambda: rand)
    for _ in range(failures):
        pause = backoff.failed(now=100.0)
    assert 0.0 <= pause <= backoff.cap() <= 10.0
    assert backoff.wait_s(100.0) >= pause - 1e-9


def test_cost_uses_billed_milliseconds_memory_and_list_prices() -> None:
    model = CostModel(1024, PRICE_PER_GB_SECOND, PRICE_PER_REQUEST)
    assert model.gb_seconds(1000) == pytest.approx(1.0)
    assert model.gb_seconds(0.2) == pytest.approx(0.001)  # rounded up to 1 ms
    # one million 100 ms invokes at 1 GB: 100,000 GB-s * $0.0000166667 + $0.20
    assert 1_000_000 * model.dollars(100) == pytest.approx(1.66667 + 0.20, rel=1e-5)


def test_billed_duration_is_read_from_the_last_report_line() -> None:
    log = (
        "START\nREPORT RequestId: a\tDuration: 2.5 ms\tBilled Duration: 3 ms\tMemory Size: 1024 MB"
    )
    assert billed_ms_from_log(log) == 3
    assert billed_ms_from_log("no report") is None
    assert billed_ms_from_log(None) is None


def _grade() -> dict[str, object]:
    return SubmissionGrade(total=1.0, max_total=2.0, grades=()).model_dump(mode="json")


def test_split_response_accounts_for_every_submission_sent() -> None:
    body = {
        "results": [
            {"submission_id": "a", "grader_version": GRADER_VERSION, "grade": _grade()},
            {"submission_id": "b", "grader_version": "0.0-other", "grade": _grade()},
            {"submission_id": "zzz", "grader_version": GRADER_VERSION, "grade": _grade()},
        ],
        "failures": [{"submission_id": "c", "error_type": "X", "message": "m"}],
    }
    split = split_response(body, ["a", "b", "c", "d"], GRADER_VERSION)
    assert set(split.grades) == {"a"}
    assert split.failures["b"].startswith("GraderVersionMismatch")
    assert split.failures["c"] == "X: m"
    assert split.failures["d"].startswith("MissingFromResponse")


def test_watcher_ignores_lower_generations_and_follows_higher_ones() -> None:
    watcher = DecisionWatcher(redis=None, queue="grading", on_missing="cluster")
    assert watcher.observe(record(5))
    assert not watcher.observe(record(3, mode="cluster"))
    assert watcher.record is not None
    assert watcher.record.generation == 5
    assert watcher.observe(record(6, mode="cluster"))
    assert watcher.effective(NOW)[0] == "cluster"


def test_watcher_applies_expiry_and_missing_record_rules() -> None:
    watcher = DecisionWatcher(redis=None, queue="grading", on_missing="cluster")
    watcher.observe(record(1, valid_s=1))
    assert watcher.effective(NOW)[0] == "overflow"
    assert watcher.effective(NOW + timedelta(seconds=2))[0] == "cluster"
    watcher.observe(None)
    assert watcher.effective(NOW)[0] == "cluster"


def test_read_timeout_sits_above_the_function_timeout() -> None:
    settings = DispatcherSettings(function_timeout_s=30, read_timeout_margin_s=10)
    assert settings.read_timeout_s == 40
    assert settings.consumer.startswith("dispatcher-")


@pytest.mark.parametrize(
    ("raw", "qualifier", "expected"),
    [
        ("grader", None, ("grader", None)),
        ("grader:live", None, ("grader", "live")),
        ("arn:aws:lambda:us-east-1:123456789012:function:grader", None, ("grader", None)),
        ("arn:aws:lambda:us-east-1:123456789012:function:grader:live", None, ("grader", "live")),
        ("123456789012:function:grader:1", None, ("grader", "1")),
        ("arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ag", "live", ("g", "live")),
    ],
)
def test_function_names_arns_and_qualifiers_are_split_like_lambda(
    raw: str, qualifier: str | None, expected: tuple[str, str | None]
) -> None:
    assert split_function_name(raw, qualifier) == expected


def test_qualifiers_resolve_to_versions() -> None:
    fn = FunctionConfig(name="g", handler="m.h", code_dir=".", aliases={"live": "3"})
    assert fn.resolve(None) == "$LATEST"
    assert fn.resolve("live") == "3"
    assert fn.resolve("3") == "3"
    assert fn.resolve("nope") is None
