"""The dispatcher against real Redis, a real cluster worker and the local Lambda service."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter

from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import SubmissionGrade, grade_submission
from assessment_engine.storage import keys
from assessment_engine.storage.results import list_results

from .conftest import (
    GRADER,
    QUESTIONS,
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

QUESTION_MAP = TypeAdapter(dict[str, Question]).validate_python(QUESTIONS)
EXAM = "exam-1"


def expected(answers: dict[str, Any]) -> SubmissionGrade:
    return grade_submission(QUESTION_MAP, answers, list(QUESTIONS))


async def results(redis: Any) -> dict[str, Any]:
    return {r.submission_id: r for r in await list_results(redis, EXAM)}


async def graded_events(redis: Any) -> list[str]:
    entries = await redis.xrange(keys.DOMAIN_EVENTS)
    return [
        fields[b"data"].decode()
        for _, fields in entries
        if fields.get(b"type") == b"submission.graded"
    ]


async def test_spilled_submissions_come_back_with_the_in_process_scores(
    redis_client, lambda_stack
) -> None:
    submitted = await seed(redis_client, 12)
    await publish(redis_client, decision(batch_size=5, max_lambda_concurrency=3))
    async with running_dispatcher(redis_client, dispatcher_settings(lambda_stack)) as dispatcher:
        await wait_until(lambda: _count(redis_client, 12))
    stored = await results(redis_client)
    assert set(stored) == set(submitted)
    for sid, answers in submitted.items():
        assert stored[sid].graded_by == "lambda"
        assert stored[sid].grader_id == "dispatcher-t1"
        assert stored[sid].grade == expected(answers)
    assert sample(dispatcher, "overflow_spilled_total") == 12
    assert sample(dispatcher, "overflow_lambda_gb_seconds_total") > 0
    assert sample(dispatcher, "overflow_lambda_cost_dollars_total") > 0
    assert len(await graded_events(redis_client)) == 12
    assert await redis_client.xlen(keys.grading_stream(EXAM)) == 0  # all acked and deleted


async def _count(redis: Any, n: int) -> bool:
    return len(await results(redis)) >= n


async def test_throttling_hands_the_work_back_to_the_cluster_workers(
    redis_client, lambda_stack
) -> None:
    lam = lambda_client(lambda_stack.endpoint_url)
    # every invoke now answers 429 ReservedFunctionConcurrentInvocationLimitExceeded
    lam.put_function_concurrency(FunctionName=GRADER, ReservedConcurrentExecutions=0)
    try:
        submitted = await seed(redis_client, 6)
        await publish(redis_client, decision(batch_size=3))
        settings = dispatcher_settings(lambda_stack)
        async with running_dispatcher(redis_client, settings) as dispatcher:
            await wait_until(
                lambda: _async(
                    sample(dispatcher, "overflow_released_total", {"reason": "throttled"}) >= 6
                )
            )
            async with running_worker(redis_client):
                await wait_until(lambda: _count(redis_client, 6))
        reason = {"reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
        assert sample(dispatcher, "overflow_throttles_total", reason) >= 2
        assert sample(dispatcher, "overflow_spilled_total") == 0
        stored = await results(redis_client)
        assert {r.graded_by for r in stored.values()} == {"cluster"}
        for sid, answers in submitted.items():
            assert stored[sid].grade == expected(answers)
        assert len(await graded_events(redis_client)) == 6
    finally:
        lam.delete_function_concurrency(FunctionName=GRADER)


async def _async(value: bool) -> bool:
    return value


async def test_a_function_timeout_neither_loses_nor_double_counts_a_submission(
    redis_client, lambda_stack
) -> None:
    submitted = await seed(redis_client, 4)
    await publish(redis_client, decision(function="sleepy", batch_size=4))
    async with running_dispatcher(redis_client, dispatcher_settings(lambda_stack)) as dispatcher:
        await wait_until(
            lambda: _async(
                sample(dispatcher, "overflow_invoke_errors_total", {"kind": "timeout"}) >= 1
            )
        )
        async with running_worker(redis_client):
            await wait_until(lambda: _count(redis_client, 4))
    stored = await results(redis_client)
    assert set(stored) == set(submitted)
    assert {r.graded_by for r in stored.values()} == {"cluster"}
    events = await graded_events(redis_client)
    assert len(events) == 4  # one graded event per submission, none twice
    assert await redis_client.xlen(keys.grading_stream(EXAM)) == 0
    assert sample(dispatcher, "overflow_released_total", {"reason": "timeout"}) >= 4


async def test_a_duplicate_delivery_yields_one_final_result(redis_client, lambda_stack) -> None:
    submitted = await seed(redis_client, 1)
    sid = next(iter(submitted))
    stream = keys.grading_stream(EXAM)
    [(_, fields)] = await redis_client.xrange(stream)
    await redis_client.xadd(stream, fields)  # the same job delivered a second time
    await publish(redis_client, decision(batch_size=1, max_lambda_concurrency=1))
    async with running_dispatcher(redis_client, dispatcher_settings(lambda_stack)) as dispatcher:
        await wait_until(lambda: _async(sample(dispatcher, "overflow_spilled_total") >= 2))
    stored = await results(redis_client)
    assert list(stored) == [sid]
    assert stored[sid].grade == expected(submitted[sid])
    graded = {"outcome": "graded", "graded_by": "lambda"}
    duplicate = {"outcome": "duplicate", "graded_by": "lambda"}
    assert sample(dispatcher, "assessment_graded_total", graded) == 1
    assert sample(dispatcher, "assessment_graded_total", duplicate) == 1
    assert len(await graded_events(redis_client)) == 1
    assert await redis_client.xlen(stream) == 0


async def test_an_expired_decision_stops_spilling(redis_client, lambda_stack) -> None:
    await publish(redis_client, decision(valid_for=timedelta(seconds=1.5), on_expiry="cluster"))
    early = await seed(redis_client, 3)
    async with running_dispatcher(redis_client, dispatcher_settings(lambda_stack)) as dispatcher:
        await wait_until(lambda: _count(redis_client, 3))
        await asyncio.sleep(1.6)  # past valid_until, no newer record
        late = await seed(redis_client, 3, start=3)
        await asyncio.sleep(1.0)
        assert len(await results(redis_client)) == 3
        pending = await redis_client.xpending(keys.grading_stream(EXAM), "graders")
        assert pending["pending"] == 0  # the dispatcher did not even claim them
        assert sample(dispatcher, "overflow_dispatcher_mode", {"mode": "cluster"}) == 1
    async with running_worker(redis_client):
        await wait_until(lambda: _count(redis_client, 6))
    stored = await results(redis_client)
    assert {stored[s].graded_by for s in early} == {"lambda"}
    assert {stored[s].graded_by for s in late} == {"cluster"}


async def test_cluster_mode_and_dry_run_never_spill(redis_client, lambda_stack) -> None:
    await seed(redis_client, 2)
    await publish(redis_client, decision(generation=1, mode="cluster"))
    async with running_dispatcher(redis_client, dispatcher_settings(lambda_stack)) as dispatcher:
        await asyncio.sleep(0.5)
        assert sample(dispatcher, "overflow_spilled_total") == 0
        # a newer overflow record is picked up at once (notice), an older one is ignored
        await publish(redis_client, decision(generation=5, mode="overflow"))
        await wait_until(lambda: _count(redis_client, 2))
        assert dispatcher.watcher.highest_generation == 5
