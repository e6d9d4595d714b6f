"""The Kopf operator against kmock's KubernetesEmulator, a real Prometheus and a real Redis.

Creates an OverflowPolicy, drives the exporter's utilization across the threshold, and checks
status, Events, the grader Deployment's replicas and the decision record.
"""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from kopf.testing import KopfRunner

from assessment_engine.localstack.ports import free_port
from assessment_engine.overflow.decision_record import read_decision
from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY

from .conftest import wait_for_prometheus_value
from .kube import kube  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def policy_spec(prom_url: str, **overrides):
    spec = {
        "target": {"deployment": "grader"},
        "prometheus": {"url": prom_url, "utilizationQuery": LOCAL_UTILIZATION_QUERY,
                       "queueLengthQuery": None},
        "evaluationIntervalSeconds": 1,
        "stabilization": {"enterSeconds": 1, "leaveSeconds": 2},
        "queueSpill": {"enabled": False},
        "replicas": {"min": 1, "max": 8, "targetUtilization": 0.6,
                     "scaleDownStabilizationSeconds": 0},
        "lambda": {"manageConcurrency": False},
        "outage": {"behavior": "cluster", "gracePeriodSeconds": 2},
    }  # fmt: skip
    spec.update(overrides)
    return spec


def kopf_args(liveness_port: int) -> list[str]:
    return [
        "run", "-A", "--standalone", "-m", "autoscaler_operator.handlers",
        f"--liveness=http://127.0.0.1:{liveness_port}/healthz",
    ]  # fmt: skip


def condition(policy, kind):
    for cond in (policy or {}).get("status", {}).get("conditions", []):
        if cond["type"] == kind:
            return cond
    return None


async def test_policy_overflows_scales_and_reports_then_releases_on_delete(
    kube, prometheus_factory, exporter, redis_server_session, monkeypatch
):
    monkeypatch.setenv("OPERATOR_REDIS_URL", redis_server_session.url)
    redis = aioredis.Redis.from_url(redis_server_session.url)
    await redis.flushall()
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.3)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.3)
    kube.seed_deployment("exams", "grader", replicas=2)
    liveness = free_port()
    with KopfRunner(kopf_args(liveness), timeout=30) as runner:
        await kube.create_policy("exams", "default", policy_spec(prom.url))
        status = await kube.wait(
            lambda: (kube.policy("exams", "default") or {}).get("status", {}).get("mode"),
            within=30, what="first status",
        )  # fmt: skip
        assert status == "cluster"
        policy = kube.policy("exams", "default")
        assert condition(policy, "Ready")["status"] == "True"
        assert condition(policy, "MetricsAvailable")["status"] == "True"
        assert condition(policy, "Overflowing")["status"] == "False"
        assert policy["status"]["utilization"] == "0.30"
        exporter.busy.labels("w1").set(0.9)
        await kube.wait(
            lambda: kube.policy("exams", "default")["status"].get("mode") == "overflow",
            within=20, what="overflow",
        )  # fmt: skip
        policy = kube.policy("exams", "default")
        assert policy["status"]["spilling"] is True
        assert condition(policy, "Overflowing")["status"] == "True"
        record = await read_decision(redis, "grading")
        assert record is not None
        assert record.mode == "overflow"
        assert record.policy == "exams/default"
        # 0.9 / 0.6 = 1.5 > 1 + tolerance: replicas 2 -> ceil(2 * 1.5) = 3, then onwards
        await kube.wait(lambda: (kube.replicas("exams", "grader") or 0) >= 3, within=10,
                        what="grader scale-up")  # fmt: skip
        await kube.wait(
            lambda: any(e.get("reason") == "OverflowStarted" for e in kube.events()),
            within=10, what="OverflowStarted event",
        )  # fmt: skip
        exporter.busy.labels("w1").set(0.2)
        await kube.wait(
            lambda: kube.policy("exams", "default")["status"].get("mode") == "cluster",
            within=20, what="back to cluster",
        )  # fmt: skip
        await kube.wait(
            lambda: any(e.get("reason") == "OverflowStopped" for e in kube.events()),
            within=10, what="OverflowStopped event",
        )  # fmt: skip
        import httpx

        async with httpx.AsyncClient() as http:
            probe = await http.get(f"http://127.0.0.1:{liveness}/healthz")
        assert probe.status_code == 200
        assert probe.json()["evaluations"] > 0
        await kube.delete_policy("exams", "default")
        await kube.wait(lambda: kube.policy("exams", "default") is None, within=15,
                        what="finalizer released the policy")  # fmt: skip
        assert await read_decision(redis, "grading") is None
        await asyncio.sleep(0.2)
    assert runner.exception is None
    await redis.aclose()
