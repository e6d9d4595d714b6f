"""Lambda cost of spilled batches: billed milliseconds, memory and list prices."""

from __future__ import annotations

import pytest

from assessment_engine.overflow.cost import CostModel, billed_ms_from_log
from assessment_engine.overflow.settings import PRICE_PER_GB_SECOND, PRICE_PER_REQUEST


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
