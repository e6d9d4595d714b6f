"""Local mode against a real Prometheus scraping a test exporter and a real Redis.

The test drives the exporter's utilization across the thresholds and watches the decision
record the loop publishes (the same record dispatchers read).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from assessment_engine.contracts.decision_record import effective_mode, read_decision
from autoscaler_operator.adapters.prometheus import PrometheusReader
from autoscaler_operator.adapters.publisher import DecisionPublisher
from autoscaler_operator.local import run_local
from autoscaler_operator.metrics import OperatorMetrics
from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY, parse_policy
from autoscaler_operator.reconcile import Adapters
from autoscaler_operator.settings import OperatorSettings

from .conftest import wait_for_prometheus_value

pytestmark = pytest.mark.slow


def local_policy(prom_url: str, **overrides):
    body = {
        "queue": "grading",
        "prometheus": {
            "url": prom_url,
            "utilizationQuery": LOCAL_UTILIZATION_QUERY,
            "queueLengthQuery": None,
        },
        "evaluationIntervalSeconds": 0.5,
        "stabilization": {"enterSeconds": 1, "leaveSeconds": 1.5},
        "queueSpill": {"enabled": False},
        "replicas": {"enabled": False},
        "outage": {"behavior": "cluster", "gracePeriodSeconds": 2},
        "decisionTtlSeconds": 10,
    }
    body.update(overrides)
    return parse_policy(body)


async def start_loop(spec, redis_url, metrics=None):
    stop = asyncio.Event()
    adapters = Adapters(
        metrics=PrometheusReader(spec.prometheus), publisher=DecisionPublisher.from_url(redis_url)
    )
    settings = OperatorSettings(redis_url=redis_url, worker_command=[])
    task = asyncio.create_task(
        run_local(spec, "exams/default", settings, stop, adapters=adapters, metrics=metrics)
    )
    return stop, task


async def test_utilization_crossing_thresholds_publishes_overflow_then_cluster(
    prometheus_factory, exporter, redis_server_session, notices
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.2)
    metrics = OperatorMetrics()
    stop, task = await start_loop(local_policy(prom.url), redis_server_session.url, metrics)
    try:
        await notices.wait_mode("cluster", within=10)
        exporter.busy.labels("w1").set(0.9)
        await notices.wait_mode("overflow", within=10)
        client = aioredis.Redis.from_url(redis_server_session.url)
        record = await read_decision(client, "grading")
        assert record is not None
        assert record.mode == "overflow"
        assert record.utilization == pytest.approx(0.9)
        assert record.policy == "exams/default"
        assert any(">= 0.70" in reason for reason in record.reasons)
        assert effective_mode(record, datetime.now(UTC))[0] == "overflow"
        exporter.busy.labels("w1").set(0.65)  # dead band: stays in overflow
        await asyncio.sleep(3)
        assert notices.notices[-1]["mode"] == "overflow"
        exporter.busy.labels("w1").set(0.3)
        await notices.wait_mode("cluster", within=10)
        await client.aclose()
    finally:
        stop.set()
        await task
    assert notices.transitions() == ["cluster", "overflow", "cluster"]
    gens = [n["generation"] for n in notices.notices]
    assert gens == sorted(gens)
    transitions = metrics.registry.get_sample_value(
        "operator_transitions_total",
        {"policy": "exams/default", "from_mode": "cluster", "to_mode": "overflow"},
    )
    assert transitions == 1.0


async def test_metrics_outage_is_unknown_then_outage_behaviour_after_grace(
    prometheus_factory, exporter, redis_server_session, notices
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.95)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.95)
    stop, task = await start_loop(local_policy(prom.url), redis_server_session.url)
    client = aioredis.Redis.from_url(redis_server_session.url)
    try:
        await notices.wait_mode("overflow", within=10)
        exporter.stop()  # scrape fails -> stale series -> empty vector -> unknown
        await notices.wait_mode("cluster", within=15)
        record = await read_decision(client, "grading")
        assert record is not None
        assert record.utilization is None  # unknown, never 0
        assert record.on_expiry == "cluster"
        assert any("unknown" in reason and "grace" in reason for reason in record.reasons)
    finally:
        stop.set()
        await task
        await client.aclose()


async def test_outage_with_hold_keeps_spilling(
    prometheus_factory, exporter, redis_server_session, notices
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.95)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.95)
    spec = local_policy(prom.url, outage={"behavior": "hold", "gracePeriodSeconds": 1})
    stop, task = await start_loop(spec, redis_server_session.url)
    client = aioredis.Redis.from_url(redis_server_session.url)
    try:
        await notices.wait_mode("overflow", within=10)
        exporter.stop()
        await wait_for_prometheus_value(prom.url, "vector(1)", lambda v: v == 1)
        for _ in range(60):  # wait until the loop has seen the outage past its grace period
            record = await read_decision(client, "grading")
            if record and "outage behaviour" in " ".join(record.reasons):
                break
            await asyncio.sleep(0.2)
        assert record is not None
        assert record.utilization is None
        assert record.mode == "overflow"
        assert "'hold'" in " ".join(record.reasons)
    finally:
        stop.set()
        await task
        await client.aclose()


async def test_prometheus_errors_and_empty_results_read_as_unknown(prometheus_factory, exporter):
    prom = prometheus_factory({"exporter": [exporter.target]})
    spec = local_policy(prom.url).prometheus
    empty = spec.model_copy(update={"utilization_query": "avg(metric_that_does_not_exist)"})
    sample = await PrometheusReader(empty).read()
    assert sample.utilization is None
    broken = spec.model_copy(update={"utilization_query": "avg(("})  # PromQL syntax error
    assert (await PrometheusReader(broken).read()).utilization is None
    nan = spec.model_copy(update={"utilization_query": "vector(0) / vector(0)"})
    assert (await PrometheusReader(nan).read()).utilization is None
    down = spec.model_copy(update={"url": "http://127.0.0.1:1"})
    assert (await PrometheusReader(down).read()).utilization is None
    zero = spec.model_copy(update={"utilization_query": "vector(0)"})
    assert (await PrometheusReader(zero).read()).utilization == 0.0  # a real 0 stays 0
