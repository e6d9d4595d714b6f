"""The workers' busy-ratio tracker (the utilization the operator reads), without I/O."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from assessment_engine.metrics import BusyTracker, WorkerMetrics


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
