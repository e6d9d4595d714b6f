"""The Kopf handlers through ``assessment-engine operator run`` against a real kube-apiserver.

The operator authenticates with a token of its own ServiceAccount and has exactly the RBAC that
``manifests/`` ships; utilization comes from a real Prometheus scraping a test exporter, the
decision record goes to a real Redis, Lambda concurrency to the local Lambda service. Each test
ends by reading the API server's audit log: every call the operator made was allowed and is
one of ``autoscaler_operator.permissions``, and the calls of that scenario were all made.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from assessment_engine.contracts.decision_record import read_decision
from autoscaler_operator.adapters.lambda_concurrency import lambda_client
from autoscaler_operator.permissions import CLUSTER_CALLS, NAMESPACED_CALLS
from autoscaler_operator.policy import FINALIZER, LOCAL_UTILIZATION_QUERY

from ...prometheus_support import wait_for_prometheus_value
from ..conftest import NAMESPACE, apply, get_json, grader_deployment, grader_hpa
from .conftest import (
    call_key,
    condition,
    create_policy,
    event_reasons,
    operator_calls,
    policy,
    policy_spec,
    replicas,
    status,
    wait_for,
)

pytestmark = [pytest.mark.kube, pytest.mark.slow, pytest.mark.timeout(240)]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def assert_calls(plane, since: str, must_use: set[tuple[str, str, str]], allowed_403=()):
    calls = operator_calls(plane, since)
    assert calls, "the audit log shows no request of the operator's ServiceAccount"
    used = {call_key(e) for e in calls}
    declared = set(CLUSTER_CALLS) | set(NAMESPACED_CALLS)
    resource_calls = {c for c in used if c[1]}  # discovery (/apis, /api) has no objectRef
    assert resource_calls <= declared, resource_calls - declared
    assert must_use <= used, must_use - used
    refused = [
        (call_key(e), (e.get("objectRef") or {}).get("namespace"))
        for e in calls if e.get("responseStatus", {}).get("code") == 403
    ]  # fmt: skip
    assert all(ns in allowed_403 for _, ns in refused), refused


async def test_policy_is_reconciled_scaled_reported_and_released_as_the_operator_account(
    operator_install, run_operator, prometheus_factory, exporter, redis
):
    plane = operator_install
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.3)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.3)
    apply(plane, [grader_deployment("grader", replicas=2)])
    since = now()
    operator = run_operator()
    create_policy(plane, "main", policy_spec(prom.url))

    waited = await asyncio.to_thread(
        plane.kubectl, "wait", "--for=condition=Ready", "ofp/main", "-n", NAMESPACE,
        "--timeout=60s", check=False,
    )  # fmt: skip
    assert waited.returncode == 0, waited.stderr + operator.log_tail()
    current = policy(plane, "main")
    assert FINALIZER in current["metadata"]["finalizers"]
    assert current["status"]["mode"] == "cluster"
    assert current["status"]["utilization"] == "0.30"
    assert current["status"]["observedGeneration"] == current["metadata"]["generation"]
    assert condition(plane, "main", "MetricsAvailable")["status"] == "True"
    assert condition(plane, "main", "Overflowing")["status"] == "False"

    exporter.busy.labels("w1").set(0.9)
    await wait_for(lambda: status(plane, "main").get("mode") == "overflow", 30, "overflow",
                   tail=operator)  # fmt: skip
    assert status(plane, "main")["spilling"] is True
    assert condition(plane, "main", "Overflowing")["status"] == "True"
    record = await read_decision(redis, "grading")
    assert record is not None
    assert (record.mode, record.policy) == ("overflow", "exams/main")
    # 0.9 / 0.6 = 1.5: replicas 2 -> 3 and on, written through deployments/scale
    await wait_for(lambda: replicas(plane, "grader") >= 3, 15, "grader scale-up", tail=operator)
    await wait_for(lambda: "OverflowStarted" in event_reasons(plane, "main"), 15, "event")

    exporter.busy.labels("w1").set(0.2)
    await wait_for(lambda: status(plane, "main").get("mode") == "cluster", 30, "release")
    await wait_for(lambda: "OverflowStopped" in event_reasons(plane, "main"), 15, "event")

    probe = await operator.liveness()
    assert probe["evaluations"] > 0

    plane.kubectl("delete", "ofp", "main", "-n", NAMESPACE, "--wait=false")
    await wait_for(lambda: policy(plane, "main") is None, 30, "finalizer released the policy",
                   tail=operator)  # fmt: skip
    assert await read_decision(redis, "grading") is None
    assert "Released" in event_reasons(plane, "main")
    assert operator.stop() == 0, operator.log_tail()

    lines = operator.log_lines()
    assert not [line for line in lines if line.get("unstructured")], operator.log_tail()
    startup = next(line for line in lines if line.get("event") == "startup")
    assert startup["redis_url"].startswith("redis://127.0.0.1:")
    assert startup["assessment_token"] is None
    outcomes = [line for line in lines if line.get("event") == "reconcile"]
    assert {line["mode"] for line in outcomes} >= {"cluster", "overflow"}
    assert all(line["policy"] == "exams/main" for line in outcomes)
    assert any(line["transition"] for line in outcomes)

    assert_calls(plane, since, set(CLUSTER_CALLS) | {
        ("apps", "deployments/scale", "get"), ("apps", "deployments/scale", "patch"),
    })  # fmt: skip


async def test_hpa_dry_run_lambda_and_forbidden_targets_act_and_report_as_declared(
    operator_install, run_operator, prometheus_factory, exporter, redis, local_lambda_endpoint
):
    plane = operator_install
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.9)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.9)
    apply(plane, [
        grader_deployment("grader-shadow", replicas=2),
        grader_deployment("grader-live", replicas=2),
        grader_hpa("grader-live", "grader-live", min_replicas=2, max_replicas=20),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "elsewhere"}},
        grader_deployment("grader", replicas=1, namespace="elsewhere"),
    ])  # fmt: skip
    lam = lambda_client(local_lambda_endpoint, "us-east-1")
    since = now()
    operator = run_operator(OPERATOR_LAMBDA_ENDPOINT_URL=local_lambda_endpoint)
    create_policy(
        plane,
        "shadow",
        policy_spec(
            prom.url, queue="shadow-q", dryRun=True, target={"deployment": "grader-shadow"}
        ),
    )
    create_policy(
        plane,
        "live",
        policy_spec(
            prom.url,
            queue="live-q",
            target={"deployment": "grader-live", "hpaName": "grader-live"},
            **{"lambda": {"functionName": "exam-grader", "qualifier": "live", "maxConcurrency": 5}},
        ),
    )
    create_policy(plane, "elsewhere", policy_spec(prom.url, queue="elsewhere-q"),
                  namespace="elsewhere")  # fmt: skip

    # dry-run: decides overflow and reports it, never scales and never lets anyone spill
    await wait_for(lambda: status(plane, "shadow").get("mode") == "overflow", 30,
                   "dry-run overflow", tail=operator)  # fmt: skip
    assert status(plane, "shadow")["spilling"] is False
    assert condition(plane, "shadow", "Ready")["reason"] == "DryRun"
    record = await read_decision(redis, "shadow-q")
    assert record is not None
    assert (record.dry_run, record.mode) == (True, "overflow")

    # HPA-owned graders: minReplicas raised (autoscaling/v2), spec.replicas left to the HPA
    await wait_for(lambda: status(plane, "live").get("mode") == "overflow", 30, "live overflow")
    await wait_for(
        lambda: get_json(plane, "hpa.v2.autoscaling", "grader-live")["spec"]["minReplicas"] >= 3,
        15, "HPA minReplicas raised", tail=operator,
    )  # fmt: skip
    assert replicas(plane, "grader-live") == 2
    await wait_for(
        lambda: lam.get_function_concurrency(FunctionName="exam-grader").get(
            "ReservedConcurrentExecutions") == 5, 15, "reserved concurrency",
    )  # fmt: skip

    # a namespace the operator's Role does not cover: 403, reported and logged with the call
    await wait_for(
        lambda: (condition(plane, "elsewhere", "Ready", "elsewhere") or {}).get("reason")
        == "ActionFailed", 30, "ActionFailed in elsewhere", tail=operator,
    )  # fmt: skip
    ready = condition(plane, "elsewhere", "Ready", "elsewhere")
    assert "403" in ready["message"]
    assert "deployments/scale" in ready["message"]
    await wait_for(lambda: "ActionFailed" in event_reasons(plane, "elsewhere", "elsewhere"), 15,
                   "ActionFailed event")  # fmt: skip
    assert replicas(plane, "grader-shadow") == 2  # dry-run never scaled

    plane.kubectl("delete", "ofp", "live", "-n", NAMESPACE, "--wait=false")
    await wait_for(lambda: policy(plane, "live") is None, 30, "live policy finalized")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(
        FunctionName="exam-grader"
    )
    assert await read_decision(redis, "live-q") is None
    plane.kubectl("delete", "ofp", "shadow", "-n", NAMESPACE, "--wait=false")
    plane.kubectl("delete", "ofp", "elsewhere", "-n", "elsewhere", "--wait=false")
    await wait_for(lambda: policy(plane, "shadow") is None, 30, "shadow policy finalized")
    await wait_for(lambda: policy(plane, "elsewhere", "elsewhere") is None, 30, "elsewhere gone")
    assert operator.stop() == 0, operator.log_tail()

    errors = [line for line in operator.log_lines() if line.get("event") == "api_error"]
    assert errors, operator.log_tail()
    assert errors[0]["status"] == 403
    assert errors[0]["reason"] == "Forbidden"
    assert (errors[0]["verb"], errors[0]["resource"]) == ("get", "deployments/scale")
    assert errors[0]["namespace"] == "elsewhere"
    assert errors[0]["severity"] == "warn"

    assert_calls(plane, since, {
        ("autoscaling", "horizontalpodautoscalers", "get"),
        ("autoscaling", "horizontalpodautoscalers", "patch"),
        ("apps", "deployments/scale", "get"),
    }, allowed_403=("elsewhere",))  # fmt: skip
