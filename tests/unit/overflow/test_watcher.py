"""The dispatcher's view of the decision record: generations, expiry, a missing record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessment_engine.contracts.decision_record import DecisionRecord
from assessment_engine.overflow.watcher import DecisionWatcher

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
