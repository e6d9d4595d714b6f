"""Jobs the dispatcher claimed but never invoked go back to the cluster at once, not after the
lease: when the decision leaves overflow and when the dispatcher stops.

The queue reads at least one job per exam stream, so with more exams than ``batch_size`` the
dispatcher holds read-ahead jobs under its consumer name. With production-like leases (30 s for
the dispatcher and the worker alike), a worker reaches those jobs before the lease only if the
dispatcher releases them; results are timed against the lease, not against a fixed bound.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assessment_engine.storage import keys
from assessment_engine.storage.queue import DEFAULT_GROUP, GradingQueue
from assessment_engine.storage.results import list_results

from .conftest import (
    decision,
    dispatcher_settings,
    publish,
    running_dispatcher,
    running_worker,
    sample,
    seed,
    wait_until,
)

LEASE_MS = 30_000
EXAMS = [f"exam-hb-{i}" for i in range(4)]


async def _seed_one_per_exam(redis: Any) -> set[str]:
    sids: set[str] = set()
    for i, exam in enumerate(EXAMS):
        sids |= set(await seed(redis, 1, exam, start=i))
    return sids


async def _held_by(redis: Any, consumer: str, *, leased_only: bool = False) -> int:
    """Entries pending under ``consumer``; ``leased_only``: those still within their lease
    (a released entry stays pending, its idle time pushed past the lease)."""
    held = 0
    for exam in EXAMS:
        pending = await redis.xpending_range(
            keys.grading_stream(exam), DEFAULT_GROUP, "-", "+", 10, consumername=consumer
        )
        held += sum(1 for p in pending if not leased_only or p["time_since_delivered"] < LEASE_MS)
    return held


async def _results(redis: Any) -> list[Any]:
    queue = GradingQueue(redis)
    return [r for exam in EXAMS for r in await list_results(queue.redis, exam)]


async def _all_graded(redis: Any, n: int) -> bool:
    return len(await _results(redis)) >= n


async def _claimed_with_read_ahead(redis: Any, dispatcher: Any) -> None:
    """Wait until one batch (of 1) is in a slow invoke and the other jobs sit read ahead."""

    async def ready() -> bool:
        in_flight = sample(dispatcher, "overflow_invocations_in_flight") == 1
        return in_flight and await _held_by(redis, "dispatcher-t1") == len(EXAMS)

    await wait_until(ready, within=20)


def _assert_graded_well_before_the_lease(stored: list[Any], since: datetime) -> None:
    assert {r.graded_by for r in stored} == {"cluster"}
    for result in stored:
        waited = (result.graded_at - since).total_seconds()
        assert waited < LEASE_MS / 1000 / 3, (result.submission_id, waited)


async def test_read_ahead_jobs_go_to_the_cluster_at_once_when_the_decision_flips(
    redis_client, lambda_stack
) -> None:
    sids = await _seed_one_per_exam(redis_client)
    # "sleepy" times out after 1 s: the one invoked job comes back through the timeout path,
    # the three read-ahead jobs only through the hand-back under test
    await publish(redis_client, decision(function="sleepy", batch_size=1, max_lambda_concurrency=1))
    settings = dispatcher_settings(lambda_stack, lease_ms=LEASE_MS, function_timeout_s=2)
    async with running_dispatcher(redis_client, settings) as dispatcher:
        await _claimed_with_read_ahead(redis_client, dispatcher)
        flipped = datetime.now(UTC)
        await publish(redis_client, decision(generation=2, mode="cluster"))
        async with running_worker(redis_client, lease_ms=LEASE_MS):
            await wait_until(lambda: _all_graded(redis_client, len(sids)), within=60)
        handed_back = sample(dispatcher, "overflow_released_total", {"reason": "not_spilling"})
        timed_out = sample(dispatcher, "overflow_released_total", {"reason": "timeout"})
    stored = await _results(redis_client)
    assert {r.submission_id for r in stored} == sids
    _assert_graded_well_before_the_lease(stored, flipped)
    assert (handed_back, timed_out) == (len(EXAMS) - 1, 1)
    assert await _held_by(redis_client, "dispatcher-t1") == 0


async def test_read_ahead_jobs_go_to_the_cluster_at_once_when_the_dispatcher_stops(
    redis_client, lambda_stack
) -> None:
    sids = await _seed_one_per_exam(redis_client)
    await publish(redis_client, decision(function="sleepy", batch_size=1, max_lambda_concurrency=1))
    settings = dispatcher_settings(lambda_stack, lease_ms=LEASE_MS, function_timeout_s=2)
    async with running_dispatcher(redis_client, settings) as dispatcher:
        await _claimed_with_read_ahead(redis_client, dispatcher)
        stopping = datetime.now(UTC)
    # stopped while the decision still says overflow: close() handed the read-ahead back
    assert sample(dispatcher, "overflow_released_total", {"reason": "stopped"}) == len(EXAMS) - 1
    assert await _held_by(redis_client, "dispatcher-t1", leased_only=True) == 0
    async with running_worker(redis_client, lease_ms=LEASE_MS):
        await wait_until(lambda: _all_graded(redis_client, len(sids)), within=60)
    stored = await _results(redis_client)
    assert {r.submission_id for r in stored} == sids
    _assert_graded_well_before_the_lease(stored, stopping)
