"""The flip reaches the dispatcher by pub/sub at once, and its first invoke does not wait for a
poll: real Redis (pub/sub and the decision key), the local Lambda service (real awslambdaric).

Polling is set to an hour in these tests, so anything that happens within the test's generous
``wait_until`` bound can only have been caused by the notice; the assertions are on which read
found the change, on counts and on the order of the logged events, never on wall-clock time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from assessment_engine.contracts.decision_record import decision_key
from assessment_engine.overflow.dispatcher import Dispatcher
from assessment_engine.overflow.watcher import DecisionWatcher
from assessment_engine.storage.results import list_results

from .conftest import decision, dispatcher_settings, publish, sample, seed, wait_until

HOUR = 3600.0


@contextlib.asynccontextmanager
async def running_watcher(redis: Any, poll_interval_s: float) -> AsyncIterator[DecisionWatcher]:
    watcher = DecisionWatcher(redis, "grading", "cluster", poll_interval_s)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    try:
        await asyncio.wait_for(watcher.started.wait(), 30)
        yield watcher
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_a_notice_delivers_the_flip_without_a_poll(redis_client) -> None:
    await publish(redis_client, decision(1, mode="cluster"))
    async with running_watcher(redis_client, HOUR) as watcher:
        assert watcher.subscribed.is_set()  # the first read came after the subscription
        assert watcher.record is not None
        assert watcher.record.mode == "cluster"
        await publish(redis_client, decision(2, mode="overflow"))
        await wait_until(lambda: _has_generation(watcher, 2))
        assert watcher.record.mode == "overflow"
        assert watcher.reads == {"start": 1, "notice": 1}
        assert watcher.changes == {"start": 1, "notice": 1}


async def test_without_a_notice_polling_still_finds_the_flip(redis_client) -> None:
    """The fallback: a record written without its notice is found by the next poll."""
    async with running_watcher(redis_client, 0.1) as watcher:
        assert watcher.record is None
        await redis_client.set(decision_key("grading"), decision(3).to_json())
        await wait_until(lambda: _has_generation(watcher, 3))
        assert watcher.changes["poll"] == 1
        assert watcher.changes["notice"] == 0


async def _has_generation(watcher: DecisionWatcher, generation: int) -> bool:
    return watcher.highest_generation >= generation


async def test_the_first_invoke_after_a_flip_does_not_wait_for_a_poll(
    redis_client, lambda_stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="assessment_engine.overflow")
    await seed(redis_client, 6)
    await publish(redis_client, decision(1, mode="cluster"))
    settings = dispatcher_settings(lambda_stack)
    watcher = DecisionWatcher(redis_client, "grading", "cluster", HOUR)
    dispatcher = Dispatcher(settings, redis_client, CollectorRegistry(), watcher=watcher)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        await asyncio.wait_for(watcher.started.wait(), 30)
        await wait_until(lambda: _subscribed(watcher))
        assert dispatcher.episodes == 0  # cluster mode: the loop sleeps (for up to an hour)
        await publish(redis_client, decision(2, mode="overflow", batch_size=3))
        await wait_until(lambda: _stored(redis_client, 6))
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert watcher.reads["poll"] == 0
    assert watcher.changes["notice"] == 1
    assert dispatcher.episodes == 1
    first_invoke = {"step": "first_invoke"}
    first_result = {"step": "first_result"}
    assert sample(dispatcher, "overflow_reaction_seconds_count", first_invoke) == 1
    assert sample(dispatcher, "overflow_reaction_seconds_count", first_result) == 1
    events = [
        getattr(r, "event", None) for r in caplog.records if getattr(r, "generation", None) == 2
    ]
    steps = ("decision_changed", "spill_started", "first_invoke", "first_result")
    chain = [e for e in events if e in steps]
    assert chain == ["decision_changed", "spill_started", "first_invoke", "first_result"]


async def _subscribed(watcher: DecisionWatcher) -> bool:
    return watcher.subscribed.is_set()


async def _stored(redis: Any, n: int) -> bool:
    return len(await list_results(redis, "exam-1")) >= n
