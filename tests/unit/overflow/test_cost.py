"""Lambda cost at list prices: worked examples computed by hand (and AWS's own pricing-page
example for provisioned concurrency), checked against the one cost model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assessment_engine.overflow.cost import (
    LIST_PRICES,
    PRICE_SOURCE,
    PRICES_CHECKED,
    REGION,
    CostModel,
    billed_ms,
    billed_ms_from_log,
    init_ms_from_log,
    lambda_prices_note,
)
from assessment_engine.overflow.settings import DispatcherSettings

ROOT = Path(__file__).resolve().parents[3]


def test_cost_uses_billed_milliseconds_memory_and_list_prices() -> None:
    model = CostModel(1024)
    assert model.gb_seconds(1000) == pytest.approx(1.0)
    assert model.gb_seconds(0.2) == pytest.approx(0.001)  # rounded up to 1 ms
    # one million 100 ms invokes at 1 GB: 100,000 GB-s * $0.0000166667 + $0.20
    assert 1_000_000 * model.dollars(100) == pytest.approx(1.66667 + 0.20, rel=1e-5)


def test_an_on_demand_cold_start_bills_its_init_phase() -> None:
    """Since 1 Aug 2025 AWS bills INIT of on-demand ZIP functions: a 10.2 ms invoke after a
    458.3 ms init bills ceil(468.5) = 469 ms. At 1024 MB: 0.469 GB-s x 0.0000166667 =
    0.0000078167 plus 0.0000002 per request = 0.0000080167 (before: 11 ms, 0.0000003833)."""
    model = CostModel(1024)
    assert billed_ms(10.2, 458.3) == 469
    assert billed_ms(10.2) == 11
    assert model.invoke_dollars(10.2, 458.3) == pytest.approx(0.0000080167, rel=1e-4)
    assert model.invoke_dollars(10.2) == pytest.approx(0.0000003833, rel=1e-3)
    # half the memory, half the duration price: 512 MB -> 0.2345 GB-s
    assert CostModel(512).invoke_dollars(10.2, 458.3) == pytest.approx(
        0.2345 * 0.0000166667 + 0.0000002, rel=1e-6
    )


def test_provisioned_concurrency_matches_the_aws_pricing_page_example() -> None:
    """AWS's example (US East): 1024 MB, 1,000 provisioned for 2 hours, 1.2M invokes of 1 s:
    7,200,000 GB-s x $0.0000041667 = $30.00; 1,200,000 GB-s x $0.0000097222 = $11.67;
    1.2M requests x $0.20/M = $0.24; total $41.91."""
    model = CostModel(1024)
    configured = model.provisioned_dollars(1000, 2 * 3600)
    invokes = 1_200_000 * model.invoke_dollars(1000, provisioned=True)
    assert configured == pytest.approx(30.00, abs=0.01)
    assert invokes == pytest.approx(11.67 + 0.24, abs=0.01)
    assert configured + invokes == pytest.approx(41.91, abs=0.01)
    # an init on a provisioned environment is never billed per invoke
    assert model.invoke_dollars(1000, 900.0, provisioned=True) == model.invoke_dollars(
        1000, provisioned=True
    )
    # the enabled period is rounded up to 5 minutes: 1 s costs as much as 300 s
    assert model.provisioned_dollars(1, 1) == pytest.approx(300 * 0.0000041667)


def test_snapstart_restore_and_cache_prices() -> None:
    """1 GB function: 10,000 restores x 1 GB x $0.0001397998 = $1.397998; a 30-day cache
    (2,592,000 s) x $0.0000015046 = $3.8999; the cache bills at least 3 h (10,800 s)."""
    model = CostModel(1024)
    restores = 10_000 * (model.invoke_dollars(5, 200.0, snapstart_restore=True))
    plain = 10_000 * model.invoke_dollars(5, 200.0)
    assert restores - plain == pytest.approx(1.397998, rel=1e-6)
    assert model.snapstart_cache_dollars(2_592_000) == pytest.approx(3.8999, rel=1e-4)
    assert model.snapstart_cache_dollars(60) == pytest.approx(10_800 * 0.0000015046)


def test_billed_and_init_durations_are_read_from_the_last_report_line() -> None:
    log = (
        "START\nREPORT RequestId: a\tDuration: 2.5 ms\tBilled Duration: 3 ms\tMemory Size: 1024 MB"
        "\nREPORT RequestId: b\tDuration: 10.20 ms\tBilled Duration: 469 ms\tMemory Size: 1024 MB"
        "\tMax Memory Used: 80 MB\tInit Duration: 458.30 ms\n"
    )
    assert billed_ms_from_log(log) == 469
    assert init_ms_from_log(log) == pytest.approx(458.3)
    assert init_ms_from_log(log.rsplit("\tInit", 1)[0]) is None
    assert billed_ms_from_log("no report") is None
    assert billed_ms_from_log(None) is None


def test_each_price_is_defined_once_with_its_source_and_date() -> None:
    """No module other than cost.py spells a Lambda price; the dispatcher, the surge report and
    the simulator all read LIST_PRICES, and reports name the region, source and date."""
    assert DispatcherSettings().price_per_gb_second == LIST_PRICES.gb_second
    assert DispatcherSettings().price_per_request == LIST_PRICES.request
    prices = {
        LIST_PRICES.gb_second,
        LIST_PRICES.provisioned_gb_second,
        LIST_PRICES.provisioned_duration_gb_second,
        LIST_PRICES.snapstart_cache_gb_second,
        LIST_PRICES.snapstart_restore_gb,
    }
    offenders = []
    for package in ("assessment_engine", "exam_stack", "overflow_functions", "platform_services"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "cost.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and node.value in prices:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
    note = lambda_prices_note()
    for text in (REGION, PRICE_SOURCE, PRICES_CHECKED, "0.0000166667", "0.0000097222"):
        assert text in note
