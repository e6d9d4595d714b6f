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


async def test_a_change_between_check_and_wait_is_not_lost() -> None:
    watcher = DecisionWatcher(redis=None, queue="grading", on_missing="cluster")
    seen = watcher.version
    watcher.observe(record(1), source="notice")  # lands after the reader's check
    assert await watcher.wait_change(seen, within_s=3600)  # returns without waiting
    assert watcher.changes == {"notice": 1}


async def test_wait_change_wakes_on_a_later_change() -> None:
    import asyncio

    watcher = DecisionWatcher(redis=None, queue="grading", on_missing="cluster")
    waiter = asyncio.create_task(watcher.wait_change(watcher.version, within_s=3600))
    await asyncio.sleep(0)
    assert not waiter.done()
    watcher.observe(record(2))
    assert await waiter
