"""The benchmark's local stack: redis-server, the local Lambda service and seeding helpers.

Used only by ``benchmarks.overflow.__main__``; starts everything on free ports in a temp dir.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import redis.asyncio as aioredis
from botocore.config import Config
from pydantic import TypeAdapter

from assessment_engine.contracts.decision_record import DecisionRecord, publish_decision
from assessment_engine.grading.models import Question
from assessment_engine.overflow.settings import DispatcherSettings
from assessment_engine.storage import keys
from assessment_engine.storage.models import NewSubmission
from assessment_engine.storage.questions import save_questions
from assessment_engine.storage.submissions import accept_submission
from assessment_engine.worker.settings import WorkerSettings
from exam_stack.localstack.processes import RedisServer, start_redis
from overflow_functions.build import HANDLER, build
from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
from overflow_functions.local_lambda.server import LocalLambdaService, ServiceThread

EXAM = "bench-exam"
QUESTIONS: dict[str, dict[str, Any]] = {
    "tf": {"type": "truefalse", "id": "tf", "text": "Sky blue?", "answer": True, "points": 2},
    "sa": {
        "type": "shortanswer",
        "id": "sa",
        "text": "Capital of France?",
        "answers": [{"pattern": "Paris", "fraction": 1.0}, {"pattern": "Par*", "fraction": 0.5}],
    },
    "num": {
        "type": "numerical",
        "id": "num",
        "text": "pi",
        "points": 3,
        "answers": [{"value": 3.14, "tolerance": 0.01, "fraction": 1.0}],
    },
    "mc": {
        "type": "multichoice",
        "id": "mc",
        "text": "primes",
        "single": False,
        "choices": [
            {"text": "2", "fraction": 0.5},
            {"text": "3", "fraction": 0.5},
            {"text": "4", "fraction": -1.0},
        ],
    },
    "ord": {"type": "ordering", "id": "ord", "text": "Order", "items": ["a", "b", "c", "d"]},
}
ANSWERS = [
    {"tf": True, "sa": "paris", "num": 3.141, "mc": ["2", "3"], "ord": ["a", "b", "c", "d"]},
    {"tf": False, "sa": "Parthenon", "num": 3.3, "mc": ["2", "4"], "ord": ["b", "a", "c", "d"]},
    {"tf": True, "sa": "London", "mc": ["3"]},
]
BARE = "def handler(event, context):\n    return {'ok': True}\n"
# A typical programming question: three visible tests (call and stdin) and one hidden one.
CODE_QUESTION: dict[str, Any] = {
    "type": "code",
    "id": "code",
    "text": "Write add(a, b); as a program, print the sum of the numbers on stdin.",
    "points": 4,
    "limits": {"cpu_seconds": 1, "wall_seconds": 4, "memory_mb": 64},
    "tests": [
        {"name": "add ints", "call": "add(2, 3)", "expected_value": 5},
        {"name": "stdin sum", "stdin": "1 2 3\n", "expected_stdout": "6"},
        {"name": "floats", "call": "add(0.1, 0.2)", "expected_value": 0.3, "compare": "float"},
        {"name": "big", "stdin": "10 20 30 40\n", "expected_stdout": "100", "hidden": True},
    ],
}
CODE_ANSWER = (
    "import sys\n\ndef add(a, b):\n    return a + b\n\n"
    "if __name__ == '__main__':\n    print(sum(int(w) for w in sys.stdin.read().split()))\n"
)


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.redis_server: RedisServer | None = None
        self.thread: ServiceThread | None = None
        self.generation = 0

    def __enter__(self) -> Stack:
        build(self.workdir / "grader")
        (self.workdir / "bare").mkdir()
        (self.workdir / "bare" / "bare.py").write_text(BARE)
        env = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_NAMESPACE": "ExamOverflow"}
        functions = [
            FunctionConfig(
                name="exam-grader",
                handler=HANDLER,
                code_dir=self.workdir / "grader",
                timeout=30,
                memory_size=1024,
                environment=env,
            ),
            FunctionConfig(name="bare", handler="bare.handler", code_dir=self.workdir / "bare"),
        ]
        self.service = LocalLambdaService(
            LocalLambdaSettings(port=0, account_concurrency=16), functions
        )
        self.thread = ServiceThread(self.service).start()
        self.redis_server = start_redis(self.workdir / "redis", appendfsync="always")
        return self

    def __exit__(self, *exc: tuple[type[BaseException], BaseException, TracebackType]) -> None:
        if self.thread is not None:
            self.thread.stop()
        if self.redis_server is not None:
            self.redis_server.stop()

    # ---------------------------------------------------------------- Lambda
    def client(self) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.service.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(
                retries={"total_max_attempts": 1}, read_timeout=60, max_pool_connections=32
            ),
        )

    def event(self, batch: int) -> dict[str, Any]:
        return {
            "items": [
                {
                    "submission_id": f"s{i}",
                    "exam_id": EXAM,
                    "key_version": 1,
                    "question_ids": list(QUESTIONS),
                    "answers": ANSWERS[i % len(ANSWERS)],
                    "questions": QUESTIONS,
                }
                for i in range(batch)
            ]
        }

    def code_event(self, batch: int) -> dict[str, Any]:
        """``batch`` submissions answering the code question (4 sandbox runs each)."""
        return {
            "items": [
                {
                    "submission_id": f"c{i}",
                    "exam_id": EXAM,
                    "key_version": 1,
                    "question_ids": ["code"],
                    "answers": {"code": CODE_ANSWER},
                    "questions": {"code": CODE_QUESTION},
                }
                for i in range(batch)
            ]
        }

    def drop_environments(self, name: str) -> None:
        assert self.thread is not None
        pool = self.service.registry.get(name)
        self.thread.call(pool.close())

    def _latest_env(self, name: str) -> Any:
        pool = self.service.registry.get(name)
        return max(pool.idle, key=lambda e: e.last_used)

    def last_init_ms(self, name: str) -> float:
        return float(self._latest_env(name).init_duration_ms or 0.0)

    def rss_mb(self, name: str) -> float:
        """Resident memory of the runtime process alone (what Max Memory Used reports here)."""
        return float(self._latest_env(name).rss_bytes()) / (1024 * 1024)

    def environment_memory(self, name: str) -> EnvMemory:
        """Memory of the whole environment: the runtime and every descendant (the sandbox's
        zygotes, started in their own sessions, are still its children)."""
        pid = self._latest_env(name).pid
        assert pid is not None
        return environment_memory(pid)

    def set_warm(self, n: int) -> None:
        """Provisioned concurrency n on alias live; wait until the environments are up."""
        lam = self.client()
        lam.put_provisioned_concurrency_config(
            FunctionName="exam-grader", Qualifier="live", ProvisionedConcurrentExecutions=n
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = lam.get_provisioned_concurrency_config(
                FunctionName="exam-grader", Qualifier="live"
            )
            if status["Status"] == "READY":
                return
            time.sleep(0.05)
        raise TimeoutError("provisioned environments did not start")

    # ----------------------------------------------------------------- Redis
    async def fresh_redis(self) -> aioredis.Redis:
        assert self.redis_server is not None
        client = aioredis.Redis.from_url(self.redis_server.url)
        await client.flushall()
        return client

    async def seed(self, redis: aioredis.Redis, count: int) -> None:
        questions = TypeAdapter(list[Question]).validate_python(list(QUESTIONS.values()))
        await save_questions(redis, EXAM, 1, questions)
        for i in range(count):
            await accept_submission(
                redis,
                NewSubmission(
                    exam_id=EXAM,
                    attempt_id=f"a{i}",
                    student_id=f"st{i}",
                    idempotency_key=f"k{i}",
                    answers=ANSWERS[i % len(ANSWERS)],
                    question_ids=list(QUESTIONS),
                    key_version=1,
                ),
                publish=False,
            )

    async def graded(self, redis: aioredis.Redis) -> int:
        return int(await redis.hget(keys.counts(EXAM), "graded") or 0)

    async def publish_overflow(self, redis: aioredis.Redis, n: int) -> None:
        self.generation += 1
        now = datetime.now(UTC)
        await publish_decision(
            redis,
            DecisionRecord(
                queue="grading",
                policy="bench/overflow",
                generation=self.generation,
                mode="overflow",
                max_lambda_concurrency=n,
                batch_size=10,
                function="exam-grader",
                qualifier="live",
                issued_at=now,
                valid_until=now + timedelta(minutes=10),
            ),
        )

    def dispatcher_settings(self) -> DispatcherSettings:
        return DispatcherSettings(
            lambda_endpoint_url=self.service.endpoint_url,
            dispatcher_id="bench",
            function_timeout_s=30,
            poll_interval_s=0.1,
            claim_block_ms=20,
            max_concurrency_cap=16,
        )

    def worker_settings(self, slots: int) -> WorkerSettings:
        return WorkerSettings(
            worker_id="bench-worker",
            concurrency=slots,
            export_queue_stats=False,
            block_ms=20,
        )


@dataclass(frozen=True)
class EnvMemory:
    processes: int
    rss_mb: float  # sum of RSS: counts shared library pages once per process
    pss_mb: float  # sum of PSS: shared pages split between the processes sharing them
    runtime_pss_mb: float  # the runtime process's own PSS (the rest is the sandbox's zygotes)


def _status_kb(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def descendants(root: int) -> list[int]:
    """``root`` and all its live descendants, from the parent pids in ``/proc/<pid>/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])  # comm may hold spaces and parens
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def environment_memory(root: int) -> EnvMemory:
    pids = descendants(root)
    rss = sum(_status_kb(pid, "VmRSS") for pid in pids)
    pss = sum(_pss_kb(pid) for pid in pids)
    return EnvMemory(
        processes=len(pids),
        rss_mb=rss / 1024,
        pss_mb=pss / 1024,
        runtime_pss_mb=_pss_kb(root) / 1024,
    )
