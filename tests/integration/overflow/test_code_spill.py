"""Submissions with code questions spill to Lambda and get exactly the grade of the in-process
grader and of a cluster worker: real Redis, the dispatcher, the local Lambda service with real
awslambdaric environments (sandbox on its rlimit layer there), and a real grader worker."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from pydantic import TypeAdapter

from assessment_engine.grading import GRADER_VERSION
from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import SubmissionGrade, grade_submission
from assessment_engine.storage import keys
from assessment_engine.storage.results import list_results
from overflow_functions.build import HANDLER, build

from .conftest import (
    decision,
    dispatcher_settings,
    lambda_client,
    publish,
    running_dispatcher,
    running_worker,
    sample,
    seed,
    wait_until,
)

_code = importlib.import_module("tests.integration.lambda.code_samples")
CODE_QUESTIONS: dict[str, dict[str, Any]] = _code.CODE_QUESTIONS
# correct, wrong, infinite loops (busy: CPU limit; sleeping: wall limit), a runtime error
CODE_ANSWER_SETS: list[dict[str, Any]] = _code.CODE_ANSWER_SETS
QUESTION_LIST = TypeAdapter(list[Question]).validate_python(list(CODE_QUESTIONS.values()))
QUESTION_MAP = {q.id: q for q in QUESTION_LIST}
SPILLED, CLUSTER = "exam-code", "exam-code-cluster"
N = len(CODE_ANSWER_SETS)


async def results(redis: Any, exam_id: str) -> dict[str, Any]:
    return {r.submission_id: r for r in await list_results(redis, exam_id)}


def in_process(answer_sets: list[dict[str, Any]]) -> list[SubmissionGrade]:
    return [grade_submission(QUESTION_MAP, a, list(CODE_QUESTIONS)) for a in answer_sets]


async def test_code_submissions_spill_and_grade_as_in_process_and_on_a_worker(
    redis_client, lambda_stack
) -> None:
    expected_task = asyncio.create_task(asyncio.to_thread(in_process, CODE_ANSWER_SETS))
    spilled = await seed(
        redis_client, N, SPILLED, questions=QUESTION_LIST, answer_sets=CODE_ANSWER_SETS
    )
    await publish(redis_client, decision(batch_size=2, max_lambda_concurrency=2))
    settings = dispatcher_settings(lambda_stack, function_timeout_s=30)  # as the function
    async with running_dispatcher(redis_client, settings) as dispatcher:
        await wait_until(lambda: _count(redis_client, SPILLED, N), within=50)
    on_lambda = await results(redis_client, SPILLED)
    assert {r.graded_by for r in on_lambda.values()} == {"lambda"}  # none kept on the cluster
    assert sample(dispatcher, "overflow_spilled_total") == N
    assert sample(dispatcher, "overflow_released_total", {"reason": "item_failure"}) == 0
    assert sample(dispatcher, "overflow_sandbox_batches_total", {"layer": "rlimit"}) >= 1
    assert sample(dispatcher, "overflow_sandbox_batches_total", {"layer": "namespaces"}) == 0

    # the same answers graded by a cluster worker (no dispatcher running)
    on_cluster_ids = await seed(
        redis_client, N, CLUSTER, start=100, questions=QUESTION_LIST, answer_sets=CODE_ANSWER_SETS
    )
    async with running_worker(redis_client):
        await wait_until(lambda: _count(redis_client, CLUSTER, N), within=50)
    on_cluster = await results(redis_client, CLUSTER)
    assert {r.graded_by for r in on_cluster.values()} == {"cluster"}

    expected = await expected_task
    lambda_grades = [on_lambda[sid].grade for sid in spilled]  # seeded in answer-set order
    cluster_grades = [on_cluster[sid].grade for sid in on_cluster_ids]
    assert lambda_grades == expected
    assert cluster_grades == expected
    assert [g.total for g in expected] == [6.0, 1.0, 1.0, 3.0]
    loops = {g.question_id: [p.detail for p in g.parts] for g in expected[2].grades}
    assert loops["add"] == ["time_limit: CPU time limit of 0.5 s exceeded", "time_limit"]
    assert loops["fib"][2] == "time_limit"  # hidden: the outcome only
    assert loops["fib"][0] == "time_limit: wall-clock limit of 2 s exceeded"
    assert await redis_client.xlen(keys.grading_stream(SPILLED)) == 0


async def _count(redis: Any, exam_id: str, n: int) -> bool:
    return len(await results(redis, exam_id)) >= n


async def test_items_the_function_cannot_grade_go_back_to_the_cluster(
    redis_client, lambda_stack, tmp_path
) -> None:
    # a function deployed from an older build: its grades name another grader version, so the
    # dispatcher must not write them; each item is handed back and a worker grades it
    package = tmp_path / "skewed"
    build(package)
    engine = package / "assessment_engine" / "grading" / "version.py"
    engine.write_text(engine.read_text().replace(GRADER_VERSION, "1999.1.1"))
    lambda_client(lambda_stack.endpoint_url).create_function(
        FunctionName="grader-skewed",
        Runtime="python3.12",
        Role="arn:aws:iam::1:role/x",
        Handler=HANDLER,
        Code={"S3Bucket": "hot-reload", "S3Key": str(package)},
        Timeout=30,
        MemorySize=1024,
    )
    answer_sets = [CODE_ANSWER_SETS[0], CODE_ANSWER_SETS[1]]
    submitted = await seed(
        redis_client, 2, SPILLED, questions=QUESTION_LIST, answer_sets=answer_sets
    )
    await publish(redis_client, decision(function="grader-skewed", batch_size=2))
    settings = dispatcher_settings(lambda_stack, function_timeout_s=30)
    async with running_dispatcher(redis_client, settings) as dispatcher:
        await wait_until(
            lambda: _async(
                sample(dispatcher, "overflow_released_total", {"reason": "item_failure"}) >= 2
            ),
            within=50,
        )
        assert sample(dispatcher, "overflow_sandbox_batches_total", {"layer": "rlimit"}) >= 1
        async with running_worker(redis_client):
            await wait_until(lambda: _count(redis_client, SPILLED, 2), within=50)
    assert sample(dispatcher, "overflow_spilled_total") == 0
    stored = await results(redis_client, SPILLED)
    assert {r.graded_by for r in stored.values()} == {"cluster"}
    assert [stored[sid].grade for sid in submitted] == in_process(answer_sets)


async def _async(value: bool) -> bool:
    return value
