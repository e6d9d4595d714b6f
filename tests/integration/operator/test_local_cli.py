"""``assessment-engine operator local`` as a real process: decision record, metrics, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import pytest
import redis.asyncio as aioredis
import yaml

from assessment_engine.contracts.decision_record import read_decision
from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY
from exam_stack.localstack.ports import free_port

from .conftest import wait_for_prometheus_value

pytestmark = pytest.mark.slow


async def test_local_command_publishes_decisions_and_serves_operator_metrics(
    tmp_path, prometheus_factory, exporter, redis_server_session
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.9)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.9)
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({
        "apiVersion": "overflow.exams.dev/v1alpha1", "kind": "OverflowPolicy",
        "metadata": {"name": "cli", "namespace": "local"},
        "spec": {"queue": "cli-q", "evaluationIntervalSeconds": 0.5,
                 "prometheus": {"url": prom.url, "utilizationQuery": LOCAL_UTILIZATION_QUERY},
                 "stabilization": {"enterSeconds": 0.5}, "prewarm": {"enabled": False}},
    }))  # fmt: skip
    port = free_port()
    env = {**os.environ, "OPERATOR_REDIS_URL": redis_server_session.url}
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, awaited below
        [sys.executable, "-m", "exam_stack.cli", "operator", "local",
         "--policy", str(policy), "--no-workers", "--metrics-port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    redis = aioredis.Redis.from_url(redis_server_session.url)
    try:
        record = None
        for _ in range(100):
            record = await read_decision(redis, "cli-q")
            if record is not None and record.mode == "overflow":
                break
            await asyncio.sleep(0.2)
        assert record is not None
        assert record.mode == "overflow"
        assert record.policy == "local/cli"
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert 'operator_mode{mode="overflow",policy="local/cli"} 1.0' in text
        assert 'operator_utilization_ratio{policy="local/cli"} 0.9' in text
    finally:
        process.send_signal(signal.SIGTERM)
        output = await asyncio.to_thread(process.communicate, None, 20)
        await redis.aclose()
    assert process.returncode == 0, output[0].decode()[-2000:]
    assert b"transition cluster -> overflow" in output[0]


def test_local_command_rejects_an_invalid_policy(tmp_path):
    policy = tmp_path / "bad.yaml"
    policy.write_text(yaml.safe_dump({
        "kind": "OverflowPolicy", "spec": {"overflowThreshold": 0.5, "releaseThreshold": 0.6},
    }))  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "exam_stack.cli", "operator", "local", "--policy",
         str(policy)], capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert b"releaseThreshold" in result.stderr
