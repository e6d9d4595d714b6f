"""Local mode acting for real: ``assessment-engine worker`` processes and schedule pre-warm.

The worker pool runs the real worker command (argument compatibility, metrics ports, SIGTERM
drain); the pre-warm test runs the local loop with a schedule served over HTTP and Lambda
concurrency set on the project's local Lambda service.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aioredis
from aiohttp import web

from assessment_engine.contracts.decision_record import read_decision
from autoscaler_operator.adapters.lambda_concurrency import LambdaConcurrency, lambda_client
from autoscaler_operator.adapters.local_workers import LocalWorkerPool
from autoscaler_operator.adapters.prometheus import PrometheusReader
from autoscaler_operator.adapters.publisher import DecisionPublisher
from autoscaler_operator.adapters.schedule import ScheduleReader
from autoscaler_operator.local import run_local
from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY, parse_policy
from autoscaler_operator.reconcile import Adapters
from autoscaler_operator.settings import OperatorSettings
from exam_stack.localstack.ports import free_port, wait_for_port

from .conftest import wait_for_prometheus_value

pytestmark = pytest.mark.slow


async def test_worker_pool_runs_real_graders_with_metrics_and_drains_them(redis_server_session):
    base = free_port()
    pool = LocalWorkerPool(
        [sys.executable, "-m", "assessment_engine.worker"],
        redis_url=redis_server_session.url, metrics_base_port=base, stop_timeout=30,
    )  # fmt: skip
    try:
        await pool.scale(1)
        await asyncio.to_thread(wait_for_port, "127.0.0.1", base, 30)
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"http://127.0.0.1:{base}/metrics")).text
        assert "assessment_worker_busy_ratio" in metrics
        worker = pool._workers[0]
        await pool.scale(0)
        assert worker.process.returncode == 0  # SIGTERM drained, no SIGKILL
    finally:
        await pool.close()


@pytest.fixture
async def schedule_server():
    exams: list[dict] = []

    async def upcoming(request: web.Request) -> web.Response:
        return web.json_response(exams)

    app = web.Application()
    app.router.add_get("/v1/schedule/upcoming", upcoming)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", exams
    await runner.cleanup()


@pytest.fixture
def lambda_service(tmp_path):
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
    yield service.endpoint_url
    thread.stop()


async def test_prewarm_raises_provisioned_concurrency_before_an_exam_then_releases_it(
    prometheus_factory, exporter, redis_server_session, notices, schedule_server, lambda_service
):
    url, exams = schedule_server
    prom = prometheus_factory({"exporter": [exporter.target]})
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.2)
    spec = parse_policy({
        "queue": "prewarm-q",
        "prometheus": {"url": prom.url, "utilizationQuery": LOCAL_UTILIZATION_QUERY,
                       "queueLengthQuery": None},
        "evaluationIntervalSeconds": 0.5,
        "replicas": {"enabled": False},
        "lambda": {"functionName": "exam-grader", "qualifier": "live", "maxConcurrency": 6},
        "prewarm": {"assessmentUrl": url, "leadTimeSeconds": 300, "holdAfterStartSeconds": 4,
                    "candidatesPerLambda": 20},
    })  # fmt: skip
    lam = lambda_client(lambda_service, "us-east-1")
    adapters = Adapters(
        metrics=PrometheusReader(spec.prometheus),
        publisher=DecisionPublisher.from_url(redis_server_session.url),
        concurrency=LambdaConcurrency(lam, "exam-grader", "live"),
        schedule=ScheduleReader(url, "svc-token"),
    )
    settings = OperatorSettings(redis_url=redis_server_session.url, schedule_refresh_seconds=1)
    opens_at = datetime.now(UTC) + timedelta(seconds=4)
    exams.append({"exam_id": "chem-101", "expected_candidates": 60,
                  "opens_at": opens_at.isoformat()})  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.create_task(
        run_local(spec, "exams/prewarm", settings, stop, adapters=adapters, release_on_stop=True)
    )
    redis = aioredis.Redis.from_url(redis_server_session.url)
    try:
        await notices.wait_mode("prewarm", within=10)
        record = await read_decision(redis, "prewarm-q")
        assert record is not None
        assert any("pre-warm for chem-101 (60)" in r for r in record.reasons)
        config = None
        for _ in range(50):  # the record is published first, concurrency is set right after
            try:
                config = await asyncio.to_thread(
                    lam.get_provisioned_concurrency_config,
                    FunctionName="exam-grader", Qualifier="live",
                )  # fmt: skip
                break
            except lam.exceptions.ProvisionedConcurrencyConfigNotFoundException:
                await asyncio.sleep(0.1)
        assert config is not None
        assert config["RequestedProvisionedConcurrentExecutions"] == 3  # ceil(60 / 20)
        exams.clear()  # the service stops listing it (opened); the hold window still applies
        await notices.wait_mode("cluster", within=15)
        released_at = datetime.now(UTC)
        assert released_at >= opens_at + timedelta(seconds=4)  # not before opens + hold
        await asyncio.sleep(1)
        with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
            await asyncio.to_thread(
                lam.get_provisioned_concurrency_config, FunctionName="exam-grader",
                Qualifier="live",
            )  # fmt: skip
    finally:
        stop.set()
        await loop
        await redis.aclose()
    assert notices.transitions()[:2] == ["prewarm", "cluster"]
    assert (
        await read_decision(
            redis_server_session and aioredis.Redis.from_url(redis_server_session.url), "prewarm-q"
        )
        is None
    )  # released on stop
