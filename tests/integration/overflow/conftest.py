"""Fixtures for the dispatcher tests: a local Lambda service (real awslambdaric) per module,
seeding helpers on real Redis, and runners for the dispatcher and a real cluster worker."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter

from assessment_engine.contracts.decision_record import DecisionRecord, publish_decision
from assessment_engine.grading.models import Question
from assessment_engine.overflow.dispatcher import Dispatcher
from assessment_engine.overflow.settings import DispatcherSettings
from assessment_engine.storage.models import NewSubmission
from assessment_engine.storage.questions import save_questions
from assessment_engine.storage.submissions import accept_submission
from assessment_engine.worker.runner import Worker
from assessment_engine.worker.settings import WorkerSettings
from overflow_functions.build import HANDLER, build
from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
from overflow_functions.local_lambda.server import LocalLambdaService, ServiceThread

# the sibling folder is named ``lambda`` (a keyword), so import it by name
_samples = importlib.import_module("tests.integration.lambda.samples")
ANSWER_SETS: list[dict[str, Any]] = _samples.ANSWER_SETS
QUESTIONS: dict[str, dict[str, Any]] = _samples.QUESTIONS

QUESTION_LIST = TypeAdapter(list[Question]).validate_python(list(QUESTIONS.values()))
SLEEPY = (
    "import time\n\n"
    "def handler(event, context):\n"
    "    time.sleep(event.get('seconds', 30))\n"
    "    if event.get('fail'):\n"
    "        raise RuntimeError('asked to fail')\n"
    "    return {'slept': event.get('seconds', 30)}\n"
)
GRADER = "exam-grader"


@dataclass
class LambdaStack:
    service: LocalLambdaService
    thread: ServiceThread

    @property
    def endpoint_url(self) -> str:
        return self.service.endpoint_url


@pytest.fixture(scope="module")
def lambda_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaStack]:
    root = tmp_path_factory.mktemp("overflow-functions")
    build(root / "grader")
    (root / "sleepy").mkdir()
    (root / "sleepy" / "sleepy.py").write_text(SLEEPY)
    functions = [
        FunctionConfig(
            name=GRADER,
            handler=HANDLER,
            code_dir=root / "grader",
            timeout=30,  # batches with code questions (loops run to their limits)
            memory_size=1024,
            environment={"POWERTOOLS_METRICS_NAMESPACE": "ExamOverflow"},
        ),
        FunctionConfig(
            name="sleepy", handler="sleepy.handler", code_dir=root / "sleepy", timeout=1
        ),
        FunctionConfig(name="slow", handler="sleepy.handler", code_dir=root / "sleepy", timeout=10),
    ]
    service = LocalLambdaService(LocalLambdaSettings(port=0, account_concurrency=8), functions)
    thread = ServiceThread(service).start()
    yield LambdaStack(service, thread)
    thread.stop()


def lambda_client(endpoint_url: str) -> Any:
    """A plain boto3 Lambda client, as an operator would use for concurrency calls."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def dispatcher_settings(stack: LambdaStack, **overrides: Any) -> DispatcherSettings:
    values: dict[str, Any] = {
        "lambda_endpoint_url": stack.endpoint_url,
        "dispatcher_id": "t1",
        "function_timeout_s": 10,
        "poll_interval_s": 0.1,
        "backoff_base_s": 0.05,
        "backoff_max_s": 0.3,
        "lease_ms": 5000,
        "claim_block_ms": 50,
        "max_concurrency_cap": 8,
    }
    values.update(overrides)
    return DispatcherSettings(**values)


def decision(
    generation: int = 1,
    *,
    mode: str = "overflow",
    function: str = GRADER,
    valid_for: timedelta = timedelta(seconds=60),
    max_lambda_concurrency: int = 4,
    batch_size: int = 5,
    on_expiry: str = "cluster",
) -> DecisionRecord:
    now = datetime.now(UTC)
    return DecisionRecord(
        queue="grading",
        policy="exams/default",
        generation=generation,
        mode=mode,
        max_lambda_concurrency=max_lambda_concurrency,
        batch_size=batch_size,
        function=function,
        qualifier="live",
        reasons=("test",),
        utilization=0.9,
        issued_at=now,
        valid_until=now + valid_for,
        on_expiry=on_expiry,
    )


async def seed(
    redis: Any,
    count: int,
    exam_id: str = "exam-1",
    start: int = 0,
    *,
    questions: list[Question] = QUESTION_LIST,
    answer_sets: list[dict[str, Any]] = ANSWER_SETS,
) -> dict[str, dict[str, Any]]:
    """Accept ``count`` submissions (answers cycling through ``answer_sets``); return
    submission id -> answers."""
    await save_questions(redis, exam_id, 1, questions)
    submitted: dict[str, dict[str, Any]] = {}
    for i in range(start, start + count):
        answers = answer_sets[i % len(answer_sets)]
        receipt = await accept_submission(
            redis,
            NewSubmission(
                exam_id=exam_id,
                attempt_id=f"a{i}",
                student_id=f"st{i}",
                idempotency_key=f"k{i}",
                answers=answers,
                question_ids=[q.id for q in questions],
                key_version=1,
            ),
        )
        submitted[receipt.submission_id] = answers
    return submitted


async def wait_until(predicate: Any, within: float = 30.0, interval: float = 0.05) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if await predicate():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running_dispatcher(redis: Any, settings: DispatcherSettings) -> AsyncIterator[Dispatcher]:
    dispatcher = Dispatcher(settings, redis, CollectorRegistry())
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        yield dispatcher
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def running_worker(
    redis: Any, worker_id: str = "w1", lease_ms: int = 2000
) -> AsyncIterator[Worker]:
    settings = WorkerSettings(
        worker_id=worker_id,
        executor="thread",
        concurrency=2,
        lease_ms=lease_ms,
        export_queue_stats=False,
        block_ms=100,
    )
    executor = ThreadPoolExecutor(2)
    worker = Worker(settings, redis, CollectorRegistry(), executor)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop.set()
        await asyncio.wait_for(task, 30)
        executor.shutdown(wait=True)


async def publish(redis: Any, record: DecisionRecord) -> None:
    assert await publish_decision(redis, record)


def sample(dispatcher: Dispatcher, name: str, labels: dict[str, str] | None = None) -> float:
    return dispatcher.registry.get_sample_value(name, labels or {}) or 0.0
