"""Actuators and readers against real components: local Lambda service, processes, HTTP."""

from __future__ import annotations

import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from autoscaler_operator.adapters.lambda_concurrency import LambdaConcurrency, lambda_client
from autoscaler_operator.adapters.local_workers import LocalWorkerPool
from autoscaler_operator.adapters.schedule import ScheduleReader
from autoscaler_operator.errors import ActuationError, ScheduleUnavailableError
from exam_stack.localstack.ports import free_port
from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
from overflow_functions.local_lambda.server import LocalLambdaService, ServiceThread

pytestmark = pytest.mark.slow


@pytest.fixture
def local_lambda(tmp_path):
    """The project's local Lambda service on its own loop, so sync boto3 checks can call it."""
    code = tmp_path / "probe"
    code.mkdir()
    (code / "probe.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    settings = LocalLambdaSettings(port=0, account_concurrency=20)
    service = LocalLambdaService(
        settings, [FunctionConfig(name="exam-grader", handler="probe.handler", code_dir=code)]
    )
    thread = ServiceThread(service).start()
    yield service
    thread.stop()


async def test_lambda_concurrency_is_set_changed_and_reset(local_lambda):
    client = lambda_client(local_lambda.endpoint_url, "us-east-1")
    actuator = LambdaConcurrency(client, "exam-grader", "live")
    await actuator.apply(reserved=5, provisioned=2)
    assert (
        client.get_function_concurrency(FunctionName="exam-grader")["ReservedConcurrentExecutions"]
        == 5
    )
    config = client.get_provisioned_concurrency_config(FunctionName="exam-grader", Qualifier="live")
    assert config["RequestedProvisionedConcurrentExecutions"] == 2
    await actuator.apply(reserved=5, provisioned=0)  # pre-warm over: provisioned removed
    with pytest.raises(client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        client.get_provisioned_concurrency_config(FunctionName="exam-grader", Qualifier="live")
    await actuator.reset()
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(
        FunctionName="exam-grader"
    )
    await actuator.reset()  # idempotent: nothing left to delete


async def test_lambda_errors_surface_as_actuation_errors(local_lambda):
    client = lambda_client(local_lambda.endpoint_url, "us-east-1")
    with pytest.raises(ActuationError, match="no-such-function"):
        await LambdaConcurrency(client, "no-such-function", "live").apply(5, 0)


WORKER = textwrap.dedent(
    """
    import signal, sys, time
    stop = False
    def on_term(*_):
        global stop
        stop = True
    signal.signal(signal.SIGTERM, on_term)
    while not stop:
        time.sleep(0.05)
    """
)


async def test_local_worker_pool_starts_and_drains_workers(tmp_path):
    script = tmp_path / "fake_worker.py"
    script.write_text(WORKER)
    pool = LocalWorkerPool([sys.executable, str(script)], stop_timeout=5)
    try:
        assert await pool.current() == 0
        await pool.scale(3)
        assert await pool.current() == 3
        pids = [w.process.pid for w in pool._workers]
        await pool.scale(1)
        assert await pool.current() == 1
        assert pool._workers[0].process.pid == pids[0]  # the oldest worker is kept
    finally:
        await pool.close()
    assert await pool.current() == 0


@pytest.fixture
async def schedule_service():
    opens = datetime.now(UTC) + timedelta(minutes=4)
    seen: dict[str, object] = {}

    async def upcoming(request: web.Request) -> web.Response:
        seen["auth"] = request.headers.get("Authorization")
        seen["within"] = request.query.get("within_seconds")
        if seen["auth"] != "Bearer svc-token":
            return web.json_response({"detail": "unauthorized"}, status=401)
        return web.json_response(
            [{"exam_id": "chem-101", "title": "Chemistry", "opens_at": opens.isoformat(),
              "expected_candidates": 800, "seconds_until_open": 240}]
        )  # fmt: skip

    app = web.Application()
    app.router.add_get("/v1/schedule/upcoming", upcoming)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", opens, seen
    await runner.cleanup()


async def test_schedule_reader_sends_token_and_parses_exams(schedule_service):
    url, opens, seen = schedule_service
    exams = await ScheduleReader(url, "svc-token").upcoming(600, datetime.now(UTC))
    assert seen["within"] == "600"
    assert [(e.exam_id, e.expected_candidates) for e in exams] == [("chem-101", 800)]
    assert exams[0].opens_at == opens
    with pytest.raises(ScheduleUnavailableError, match="401"):
        await ScheduleReader(url, "wrong").upcoming(600, datetime.now(UTC))
    with pytest.raises(ScheduleUnavailableError):
        await ScheduleReader("http://127.0.0.1:1", None).upcoming(600, datetime.now(UTC))
