"""The Kopf operator against kmock's KubernetesEmulator, a real Prometheus and a real Redis.

Creates an OverflowPolicy, drives the exporter's utilization across the threshold, and checks
status, Events, the grader Deployment's replicas and the decision record.
"""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from kopf.testing import KopfRunner

from assessment_engine.contracts.decision_record import read_decision
from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY
from exam_stack.localstack.ports import free_port

from .conftest import wait_for_prometheus_value

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


def mode(kube, namespace):
    return ((kube.policy(namespace, "default") or {}).get("status") or {}).get("mode")


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
            lambda: mode(kube, "exams") == "overflow",
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
            lambda: mode(kube, "exams") == "cluster",
            within=20, what="back to cluster",
        )  # fmt: skip
        await kube.wait(
            lambda: any(e.get("reason") == "OverflowStopped" for e in kube.events()),
            within=10, what="OverflowStopped event",
        )  # fmt: skip
        exporter.stop()  # metrics outage: unknown, not 0, reported in status
        await kube.wait(
            lambda: (condition(kube.policy("exams", "default"), "MetricsAvailable") or {}).get(
                "status") == "False", within=15, what="MetricsAvailable=False",
        )  # fmt: skip
        policy = kube.policy("exams", "default")
        assert policy["status"]["utilization"] == "unknown"
        assert condition(policy, "MetricsAvailable")["reason"] == "MetricsUnknown"
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


@pytest.fixture
def local_lambda_endpoint(tmp_path, monkeypatch):
    from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
    from overflow_functions.local_lambda.server import LocalLambdaService, ServiceThread

    code = tmp_path / "fn"
    code.mkdir()
    (code / "fn.py").write_text("def handler(event, context):\n    return {}\n")
    service = LocalLambdaService(
        LocalLambdaSettings(port=0, account_concurrency=20),
        [FunctionConfig(name="exam-grader", handler="fn.handler", code_dir=code)],
    )
    thread = ServiceThread(service).start()
    monkeypatch.setenv("OPERATOR_LAMBDA_ENDPOINT_URL", service.endpoint_url)
    yield service.endpoint_url
    thread.stop()


async def test_invalid_dry_run_and_hpa_policies_report_and_act_as_declared(
    kube, prometheus_factory, exporter, redis_server_session, monkeypatch, local_lambda_endpoint
):
    from autoscaler_operator.adapters.lambda_concurrency import lambda_client

    from .kube import seed_hpa

    monkeypatch.setenv("OPERATOR_REDIS_URL", redis_server_session.url)
    redis = aioredis.Redis.from_url(redis_server_session.url)
    await redis.flushall()
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.9)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.9)
    kube.seed_deployment("shadow", "grader", replicas=2)
    kube.seed_deployment("live", "grader", replicas=2)
    seed_hpa(kube, "live", "grader-hpa", "grader", min_replicas=2)
    lam = lambda_client(local_lambda_endpoint, "us-east-1")
    with KopfRunner(kopf_args(free_port()), timeout=30) as runner:
        await kube.create_policy(
            "bad", "default", policy_spec(prom.url, overflowThreshold=0.5, releaseThreshold=0.6)
        )
        await kube.create_policy(
            "shadow", "default",
            policy_spec(prom.url, queue="shadow-q", dryRun=True),
        )  # fmt: skip
        await kube.create_policy(
            "live", "default",
            policy_spec(prom.url, queue="live-q", target={"deployment": "grader",
                                                           "hpaName": "grader-hpa"},
                        **{"lambda": {"functionName": "exam-grader", "qualifier": "live",
                                      "maxConcurrency": 5}}),
        )  # fmt: skip

        # invalid spec: Ready=False with the reason in status and an Event, no decision
        ready = await kube.wait(lambda: condition(kube.policy("bad", "default"), "Ready"),
                                within=20, what="invalid status")  # fmt: skip
        assert ready["status"] == "False"
        assert ready["reason"] == "InvalidSpec"
        assert "releaseThreshold" in ready["message"]
        await kube.wait(lambda: any(e.get("reason") == "InvalidSpec" for e in kube.events()),
                        within=10, what="InvalidSpec event")  # fmt: skip

        # dry-run: decides overflow, reports it, but never scales and never lets anyone spill
        await kube.wait(lambda: mode(kube, "shadow")
                        == "overflow", within=20, what="dry-run overflow")  # fmt: skip
        shadow = kube.policy("shadow", "default")
        assert shadow["status"]["spilling"] is False
        assert condition(shadow, "Ready")["reason"] == "DryRun"
        record = await read_decision(redis, "shadow-q")
        assert record is not None
        assert record.dry_run is True
        assert record.mode == "overflow"

        # HPA-owned deployment: minReplicas is raised, spec.replicas left alone; Lambda capped
        await kube.wait(lambda: mode(kube, "live")
                        == "overflow", within=20, what="live overflow")  # fmt: skip
        hpa = "autoscaling/v2/horizontalpodautoscalers"
        await kube.wait(lambda: kube.obj(hpa, "live", "grader-hpa")["spec"]["minReplicas"] >= 3,
                        within=10, what="HPA minReplicas raised")  # fmt: skip
        assert kube.replicas("live", "grader") == 2
        await kube.wait(  # set right after scaling, in the same evaluation
            lambda: lam.get_function_concurrency(FunctionName="exam-grader").get(
                "ReservedConcurrentExecutions") == 5, within=10, what="reserved concurrency",
        )  # fmt: skip
        await asyncio.sleep(2)
        assert kube.replicas("shadow", "grader") == 2  # dry-run never scaled

        await kube.delete_policy("live", "default")
        await kube.wait(lambda: kube.policy("live", "default") is None, within=15,
                        what="live policy finalized")  # fmt: skip
        assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(
            FunctionName="exam-grader"
        )
        assert await read_decision(redis, "live-q") is None
    assert runner.exception is None
    await redis.aclose()
