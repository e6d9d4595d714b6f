"""Key layout (hash tags) and the busy-ratio tracker, without I/O."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from assessment_engine.metrics import BusyTracker, WorkerMetrics
from assessment_engine.storage import keys


def test_every_per_exam_key_shares_the_exam_hash_tag() -> None:
    built = [
        keys.submission("e1", "s"),
        keys.grading_stream("e1"),
        keys.idempotency("e1", "st", "k"),
        keys.result("e1", "s", 2),
        keys.questions("e1", 2),
        keys.dead_letters("e1"),
        keys.counts("e1"),
    ]
    assert all(k.startswith("exam:{e1}:") for k in built)
    assert keys.result("e1", "s", 2).endswith(":result:s:v2")
    assert keys.exam_id_of_stream(keys.grading_stream("e1")) == "e1"


@pytest.mark.parametrize("bad", ["", "a}b", "a{b", "a:b"])
def test_exam_ids_that_would_break_the_hash_tag_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="exam id"):
        keys.grading_stream(bad)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_busy_ratio_is_the_busy_share_of_slot_time_over_the_window() -> None:
    clock = FakeClock()
    metrics = WorkerMetrics(CollectorRegistry())
    tracker = BusyTracker(metrics, slots=2, window_s=1.0, clock=clock)

    tracker.start()
    clock.now += 0.5
    tracker.finish()
    clock.now += 0.5
    assert tracker.sample() == pytest.approx(0.25)  # 0.5 slot-s busy of 2 slots x 1 s

    tracker.start()
    tracker.start()
    clock.now += 1.0
    assert tracker.sample() == pytest.approx(1.0, abs=0.01)
    assert metrics.busy_seconds._value.get() == pytest.approx(2.5)
    assert metrics.slots._value.get() == 2
