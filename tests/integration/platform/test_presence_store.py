"""The presence store's Lua scripts on a real redis-server: open, beat, close, expiry on read,
Redis server time, hash-tagged keys with a retention TTL, typed errors when Redis is gone."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from assessment_engine.storage.exams import exam_key
from exam_stack.localstack.processes import start_redis
from platform_services.notifications.errors import PresenceUnavailableError
from platform_services.notifications.presence_store import (
    PresenceState,
    PresenceStore,
    lost_key,
    streams_key,
)

EXAM = "exam-presence-1"
CONN = "a" * 32
OTHER = "b" * 32


def _store(redis: aioredis.Redis, ttl: float = 30.0) -> PresenceStore:
    return PresenceStore(redis, ttl_seconds=ttl, retention_seconds=600)


async def _until(predicate, store: PresenceStore, limit: float = 5.0) -> PresenceState:
    """Read until ``predicate(state)`` holds (bounded wait: expiry is Redis time passing)."""
    async with asyncio.timeout(limit):
        while True:
            state = await store.read(EXAM)
            if predicate(state):
                return state
            await asyncio.sleep(0.05)


async def test_open_beat_and_close_in_redis_time(redis_client: aioredis.Redis) -> None:
    store = _store(redis_client)
    before_ms = int(time.time() * 1000)
    await store.open(EXAM, "alice", CONN)
    await store.open(EXAM, "alice|with-bar", OTHER)
    state = await store.read(EXAM)
    assert sorted(state.live) == [f"alice|{CONN}", f"alice|with-bar|{OTHER}"]
    assert state.lost_ms == {}
    assert abs(state.now_ms - before_ms) < 5_000, "times are Redis server time (epoch ms)"
    expiry = await redis_client.zscore(streams_key(EXAM), f"alice|{CONN}")
    assert expiry is not None
    assert 29_000 <= expiry - state.now_ms <= 30_000

    assert await store.beat(EXAM, "alice", CONN) is True
    assert await store.beat(EXAM, "mallory", CONN) is False, "a beat names the student's own"
    assert await store.close(EXAM, "alice", CONN) is True
    assert await store.close(EXAM, "alice", CONN) is False, "closing twice changes nothing"
    assert await store.beat(EXAM, "alice", CONN) is False, "a closed stream cannot be beaten"
    state = await store.read(EXAM)
    assert state.live == [f"alice|with-bar|{OTHER}"]
    assert set(state.lost_ms) == {"alice"}
    assert state.lost_ms["alice"] <= state.now_ms


async def test_an_unbeaten_stream_expires_into_the_lost_set_at_its_expiry(
    redis_client: aioredis.Redis,
) -> None:
    store = _store(redis_client, ttl=0.3)
    await store.open(EXAM, "bob", CONN)
    expiry = await redis_client.zscore(streams_key(EXAM), f"bob|{CONN}")
    state = await _until(lambda s: not s.live, store)
    assert state.lost_ms == {"bob": expiry}, "lost at the expiry, not at the read"
    assert await redis_client.zcard(streams_key(EXAM)) == 0, "the read pruned it"


async def test_a_late_beat_is_refused_and_records_the_loss(redis_client: aioredis.Redis) -> None:
    store = _store(redis_client, ttl=0.2)
    await store.open(EXAM, "carol", CONN)
    expiry = await redis_client.zscore(streams_key(EXAM), f"carol|{CONN}")
    async with asyncio.timeout(5):
        while True:
            seconds, micros = await redis_client.time()
            if seconds * 1000 + micros // 1000 > (expiry or 0):
                break
            await asyncio.sleep(0.05)
    assert await store.beat(EXAM, "carol", CONN) is False
    assert await redis_client.zscore(lost_key(EXAM), "carol") == expiry
    assert await redis_client.zcard(streams_key(EXAM)) == 0


async def test_loss_times_only_rise(redis_client: aioredis.Redis) -> None:
    store = _store(redis_client)
    await store.open(EXAM, "dan", CONN)
    await store.close(EXAM, "dan", CONN)
    first = await redis_client.zscore(lost_key(EXAM), "dan")
    await redis_client.zadd(lost_key(EXAM), {"dan": (first or 0) + 60_000})
    await store.close(EXAM, "dan", OTHER)
    assert await redis_client.zscore(lost_key(EXAM), "dan") == (first or 0) + 60_000


async def test_keys_are_hash_tagged_by_exam_and_expire(redis_client: aioredis.Redis) -> None:
    store = _store(redis_client)
    await store.open(EXAM, "erin", CONN)
    await store.close(EXAM, "erin", CONN)
    for key in (streams_key(EXAM), lost_key(EXAM)):
        assert key.startswith(f"exam:{{{EXAM}}}:presence:")
    assert 0 < await redis_client.ttl(lost_key(EXAM)) <= 600
    await store.open(EXAM, "erin", OTHER)
    assert 0 < await redis_client.ttl(streams_key(EXAM)) <= 600
    slots = {key_slot(k.encode()) for k in (streams_key(EXAM), lost_key(EXAM), exam_key(EXAM))}
    assert len(slots) == 1, "one Redis Cluster slot with the rest of the exam"


async def test_redis_gone_is_a_typed_error(tmp_path) -> None:
    server = start_redis(tmp_path / "gone", appendfsync="no")
    client = aioredis.Redis.from_url(server.url)
    store = _store(client)
    await store.open(EXAM, "fay", CONN)
    server.stop()
    try:
        for call in (
            store.open(EXAM, "fay", CONN),
            store.beat(EXAM, "fay", CONN),
            store.close(EXAM, "fay", CONN),
            store.read(EXAM),
        ):
            with pytest.raises(PresenceUnavailableError):
                await call
    finally:
        await client.aclose()
