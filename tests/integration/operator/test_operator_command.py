"""``assessment-engine operator run`` as a real process against kmock: liveness, status, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import pytest

from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY
from exam_stack.localstack.ports import free_port

from .conftest import wait_for_prometheus_value

pytestmark = pytest.mark.slow


async def test_run_command_serves_liveness_and_reconciles_policies(
    kube, prometheus_factory, exporter, redis_server_session
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.2)
    kube.seed_deployment("exams", "grader", replicas=1)
    port = free_port()
    env = {**os.environ, "OPERATOR_REDIS_URL": redis_server_session.url}
    process = subprocess.Popen(  # noqa: ASYNC220 - one process, awaited below
        [sys.executable, "-m", "exam_stack.cli", "operator", "run",
         "--liveness", f"http://127.0.0.1:{port}/healthz"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        await kube.create_policy("exams", "default", {
            "prometheus": {"url": prom.url, "utilizationQuery": LOCAL_UTILIZATION_QUERY},
            "evaluationIntervalSeconds": 1, "lambda": {"manageConcurrency": False},
        })  # fmt: skip
        await kube.wait(
            lambda: ((kube.policy("exams", "default") or {}).get("status") or {}).get("mode"),
            within=30, what="status from the operator process",
        )  # fmt: skip
        async with httpx.AsyncClient() as http:
            for _ in range(50):
                try:
                    probe = await http.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
        assert probe.status_code == 200
        assert probe.json()["evaluations"] >= 1
    finally:
        process.send_signal(signal.SIGTERM)
        output = await asyncio.to_thread(process.communicate, None, 30)
    assert process.returncode == 0, output[0].decode()[-3000:]
