"""The two commands together: ``local-lambda`` and ``dispatcher`` as processes, real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from assessment_engine.storage.queue import GradingQueue
from assessment_engine.storage.results import list_results
from exam_stack.localstack.ports import free_port, wait_for_port
from overflow_functions.build import HANDLER, build

from .conftest import decision, publish, seed, wait_until

CLI = str(Path(sys.executable).parent / "assessment-engine")


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CLI, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ},
    )


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=10)


async def test_turning_the_decision_to_overflow_grades_queued_work_on_lambda(
    redis_client, redis_server_session, tmp_path: Path
) -> None:
    build(tmp_path / "grader")
    config = tmp_path / "functions.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "functions": [
                    {
                        "name": "exam-overflow-grader",
                        "handler": HANDLER,
                        "code_dir": "grader",
                        "timeout": 10,
                        "memory_size": 1024,
                    }
                ]
            }
        )
    )
    lambda_port, metrics_port = free_port(), free_port()
    service = _start(
        "local-lambda", "--config", str(config), "--port", str(lambda_port), "--no-echo-logs"
    )
    dispatcher = _start(
        "dispatcher",
        "--redis-url",
        redis_server_session.url,
        "--lambda-endpoint-url",
        f"http://127.0.0.1:{lambda_port}",
        "--queue",
        "grading",
        "--dispatcher-id",
        "cli",
        "--function-timeout-s",
        "10",
        "--metrics-port",
        str(metrics_port),
    )
    try:
        await asyncio.to_thread(wait_for_port, "127.0.0.1", lambda_port, 30)
        await asyncio.to_thread(wait_for_port, "127.0.0.1", metrics_port, 30)
        submitted = await seed(redis_client, 5)
        await asyncio.sleep(0.5)
        queue = GradingQueue(redis_client)
        assert await list_results(queue.redis, "exam-1") == []  # no decision yet: nothing spilled
        await publish(redis_client, decision(function="exam-overflow-grader"))

        async def all_graded() -> bool:
            return len(await list_results(queue.redis, "exam-1")) == len(submitted)

        await wait_until(all_graded, within=60)
        results = await list_results(queue.redis, "exam-1")
        assert {r.graded_by for r in results} == {"lambda"}
        assert {r.grader_id for r in results} == {"dispatcher-cli"}
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        assert "overflow_spilled_total 5.0" in metrics
    finally:
        assert _stop(dispatcher) == 0
        assert _stop(service) in (0, -signal.SIGTERM)
