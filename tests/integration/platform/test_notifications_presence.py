"""Presence over real HTTP: two notifications replicas (uvicorn subprocesses) on one real Redis,
students holding exam streams and beating them, proctors watching ``event: presence``.

Short presence settings (beat 0.5 s, TTL 4 s, grace 1.5 s, re-read every 0.2 s) keep the
tier fast; every wait is a condition with an upper bound (the settings plus ``SLACK`` for a
loaded machine), never a sleep-then-assert, except where staying online over time is the point.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from exam_stack.localstack.processes import start_redis
from platform_services.notifications.presence_store import streams_key

from .conftest import create_exam, people
from .processes import Served, start_notifications, start_platform, wait_ready
from .sse import sse_events

BEAT, TTL, GRACE, INTERVAL = 0.5, 4.0, 1.5, 0.2
SLACK = 5.0
PRESENCE = {
    "presence_beat_seconds": str(BEAT),
    "presence_ttl_seconds": str(TTL),
    "presence_grace_seconds": str(GRACE),
    "presence_interval_seconds": str(INTERVAL),
}


@dataclass
class Replicas:
    redis_url: str
    identity_url: str
    a: str
    b: str
    workdir: Any


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("presence")
    redis = start_redis(workdir / "redis", appendfsync="no")
    started: list[Served] = []
    try:
        identity, a = start_platform(redis.url, workdir, **PRESENCE)
        started += [identity, a]
        b, port = start_notifications(redis.url, identity.url, workdir / "b.log", **PRESENCE)
        started.append(b)
        wait_ready(b, port)
    except Exception:
        for served in reversed(started):
            served.stop()
        redis.stop()
        raise
    yield Replicas(redis.url, identity.url, a.url, b.url, workdir)
    for served in reversed(started):
        served.stop()
    redis.stop()


@pytest.fixture
async def live_redis(replicas):
    client = aioredis.Redis.from_url(replicas.redis_url)
    yield client
    await client.aclose()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Watch:
    """A proctor's monitor stream read in the background; every ``presence`` payload kept."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def now(self) -> dict[str, Any] | None:
        return self.seen[-1] if self.seen else None

    async def until(self, predicate: Callable[[dict[str, Any]], bool], limit: float) -> float:
        """Seconds until the latest presence satisfies ``predicate`` (fails after ``limit``)."""
        start = time.monotonic()
        async with asyncio.timeout(limit):
            while self.now is None or not predicate(self.now):
                self.changed.clear()
                await self.changed.wait()
        return time.monotonic() - start


@contextlib.asynccontextmanager
async def watching(base: str, exam_id: str, token: str) -> AsyncIterator[Watch]:
    watch = Watch()

    async def read() -> None:
        async with (
            httpx.AsyncClient(base_url=base, timeout=None) as client,
            client.stream("GET", f"/v1/exams/{exam_id}/monitor/stream", headers=_auth(token)) as r,
        ):
            assert r.status_code == 200, await r.aread()
            async for event in sse_events(r.aiter_lines()):
                if event.event == "presence":
                    assert event.id is None
                    watch.seen.append(event.json())
                    watch.changed.set()

    task = asyncio.create_task(read())
    try:
        await watch.until(lambda _: True, SLACK)
        yield watch
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass
class Sitting:
    """A student's exam stream (held open, read in the background) and its beats."""

    connection_id: str
    beat_seconds: float
    reader: asyncio.Task[None]
    beating: asyncio.Task[None] | None = None
    beats: list[int] = field(default_factory=list)

    async def stop_beating(self) -> None:
        if self.beating is not None:
            self.beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.beating
            self.beating = None

    async def close(self) -> None:
        await self.stop_beating()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self.reader


async def sit(base: str, exam_id: str, token: str) -> Sitting:
    connected: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def read() -> None:
        path = f"/v1/students/me/stream?exam_id={exam_id}"
        async with (
            httpx.AsyncClient(base_url=base, timeout=None) as client,
            client.stream("GET", path, headers=_auth(token)) as response,
        ):
            if response.status_code != 200:
                connected.set_exception(AssertionError(await response.aread()))
                return
            async for event in sse_events(response.aiter_lines()):
                if event.event == "connection" and not connected.done():
                    assert event.id is None
                    connected.set_result(event.json())

    reader = asyncio.create_task(read())
    async with asyncio.timeout(SLACK):
        opening = await connected
    assert opening["exam_id"] == exam_id
    assert opening["beat_seconds"] == BEAT
    assert re.fullmatch(r"[0-9a-f]{32}", opening["connection_id"])
    return Sitting(opening["connection_id"], opening["beat_seconds"], reader)


async def beat(base: str, exam_id: str, token: str, connection_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        return await client.post(
            "/v1/students/me/presence",
            headers=_auth(token),
            json={"exam_id": exam_id, "connection_id": connection_id},
        )


def start_beating(sitting: Sitting, bases: list[str], exam_id: str, token: str) -> None:
    """Beat every ``beat_seconds``, round-robin over ``bases`` (any replica may take a beat)."""

    async def loop() -> None:
        turn = 0
        while True:
            response = await beat(bases[turn % len(bases)], exam_id, token, sitting.connection_id)
            sitting.beats.append(response.status_code)
            turn += 1
            await asyncio.sleep(sitting.beat_seconds)

    sitting.beating = asyncio.create_task(loop())


async def eventually(check: Callable[[], Awaitable[bool]], limit: float) -> None:
    """Poll ``check`` until it holds (fails after ``limit`` seconds)."""
    async with asyncio.timeout(limit):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


def online(student: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: student in p["online"]


def reconnecting(student: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: student in p["reconnecting"] and student not in p["online"]


def offline(student: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: (
        student not in p["online"] and student not in p["reconnecting"] and student in p["lost_at"]
    )


async def _exam(live_redis, replicas, tag: str) -> tuple[str, dict[str, str], dict[str, str]]:
    tokens, ids = await people(replicas.identity_url, tag)
    exam_id = f"exam-presence-{tag}"
    await create_exam(live_redis, exam_id, ids["proctor"], roster=(ids["alice"], ids["bob"]))
    return exam_id, tokens, ids


def _gauge(metrics: str, role: str) -> float:
    line = f'notifications_open_streams{{role="{role}"}}'
    return next(float(x.split()[-1]) for x in metrics.splitlines() if x.startswith(line))


async def test_every_replica_agrees_and_beats_on_any_replica_keep_a_student_online(
    replicas, live_redis
):
    exam_id, tokens, ids = await _exam(live_redis, replicas, "agree")
    alice = ids["alice"]
    async with (
        watching(replicas.a, exam_id, tokens["proctor"]) as on_a,
        watching(replicas.b, exam_id, tokens["proctor"]) as on_b,
    ):
        assert on_a.now is not None
        assert on_a.now["online"] == []
        sitting = await sit(replicas.a, exam_id, tokens["alice"])
        start_beating(sitting, [replicas.b, replicas.a], exam_id, tokens["alice"])
        try:
            await on_a.until(online(alice), INTERVAL + SLACK)
            await on_b.until(online(alice), INTERVAL + SLACK)
            since = {id(w): len(w.seen) - 1 for w in (on_a, on_b)}
            async with httpx.AsyncClient() as client:
                metrics_a = (await client.get(f"{replicas.a}/metrics")).text
                metrics_b = (await client.get(f"{replicas.b}/metrics")).text
            assert _gauge(metrics_a, "student") == 1.0
            assert _gauge(metrics_a, "proctor") == 1.0
            assert _gauge(metrics_b, "proctor") == 1.0
            assert 'notifications_presence_operations_total{operation="beat"}' in metrics_b

            await asyncio.sleep(2 * TTL)  # staying online over time is what is checked here
            assert set(sitting.beats) == {204}
            for watch in (on_a, on_b):
                assert all(alice in p["online"] for p in watch.seen[since[id(watch)] :])
            assert on_a.now is not None
            assert on_b.now is not None
            assert on_a.now["online"] == on_b.now["online"] == [alice]
        finally:
            await sitting.close()
        await on_b.until(reconnecting(alice), INTERVAL + SLACK)
        async with httpx.AsyncClient() as client:

            async def no_student_stream() -> bool:
                return _gauge((await client.get(f"{replicas.a}/metrics")).text, "student") == 0

            await eventually(no_student_stream, SLACK)


async def test_a_page_that_stops_beating_goes_reconnecting_then_offline_and_must_reconnect(
    replicas, live_redis
):
    """The network is gone: the stream's TCP connection may live on, but no beat arrives."""
    exam_id, tokens, ids = await _exam(live_redis, replicas, "silent")
    bob = ids["bob"]
    async with watching(replicas.b, exam_id, tokens["proctor"]) as watch:
        sitting = await sit(replicas.a, exam_id, tokens["bob"])
        start_beating(sitting, [replicas.a], exam_id, tokens["bob"])
        try:
            await watch.until(online(bob), INTERVAL + SLACK)
            await sitting.stop_beating()
            await watch.until(reconnecting(bob), TTL + INTERVAL + SLACK)
            await watch.until(offline(bob), GRACE + INTERVAL + SLACK)
            gone = await beat(replicas.b, exam_id, tokens["bob"], sitting.connection_id)
            assert gone.status_code == 404
            assert gone.json()["error"] == "stream_gone"
        finally:
            await sitting.close()
        again = await sit(replicas.b, exam_id, tokens["bob"])
        try:
            assert again.connection_id != sitting.connection_id
            await watch.until(online(bob), INTERVAL + SLACK)
        finally:
            await again.close()


async def test_a_closed_stream_is_removed_at_once_and_shows_reconnecting_then_offline(
    replicas, live_redis
):
    """Tab closed or browser killed: the kernel closes the socket and the replica sees it."""
    exam_id, tokens, ids = await _exam(live_redis, replicas, "closed")
    alice = ids["alice"]
    async with watching(replicas.a, exam_id, tokens["proctor"]) as watch:
        sitting = await sit(replicas.b, exam_id, tokens["alice"])
        start_beating(sitting, [replicas.a], exam_id, tokens["alice"])
        await watch.until(online(alice), INTERVAL + SLACK)
        await sitting.stop_beating()
        expiry = await live_redis.zscore(streams_key(exam_id), f"{alice}|{sitting.connection_id}")
        await sitting.close()

        async def removed() -> bool:
            gone = await beat(replicas.a, exam_id, tokens["alice"], sitting.connection_id)
            return gone.status_code == 404

        await eventually(removed, SLACK)
        await watch.until(reconnecting(alice), INTERVAL + SLACK)
        await watch.until(offline(alice), GRACE + INTERVAL + SLACK)
        assert watch.now is not None
        lost = datetime.fromisoformat(watch.now["lost_at"][alice]).timestamp() * 1000
        assert expiry is not None
        assert lost < expiry, "lost when the socket closed, before its beats would have expired"
        assert watch.now["grace_seconds"] == GRACE
        assert watch.now["ttl_seconds"] == TTL


async def test_students_of_a_killed_replica_go_offline_within_the_ttl_and_return_elsewhere(
    replicas, live_redis
):
    exam_id, tokens, ids = await _exam(live_redis, replicas, "killed")
    bob = ids["bob"]
    doomed, port = start_notifications(
        replicas.redis_url, replicas.identity_url, replicas.workdir / "doomed.log", **PRESENCE
    )
    try:
        wait_ready(doomed, port)
        async with watching(replicas.a, exam_id, tokens["proctor"]) as watch:
            sitting = await sit(doomed.url, exam_id, tokens["bob"])
            start_beating(sitting, [replicas.a], exam_id, tokens["bob"])
            await watch.until(online(bob), INTERVAL + SLACK)
            doomed.process.kill()  # SIGKILL: no shutdown hook removes the stream
            doomed.process.wait(timeout=10)
            with contextlib.suppress(httpx.HTTPError):
                await sitting.reader  # the page sees its stream break...
            await sitting.stop_beating()  # ...and stops beating it
            waited = await watch.until(lambda p: bob not in p["online"], TTL + INTERVAL + SLACK)
            assert waited <= TTL + INTERVAL + SLACK
            await watch.until(offline(bob), GRACE + INTERVAL + SLACK)
            again = await sit(replicas.b, exam_id, tokens["bob"])
            try:
                await watch.until(online(bob), INTERVAL + SLACK)
            finally:
                await again.close()
    finally:
        doomed.stop()


async def test_presence_is_only_for_students_of_the_exam_and_their_own_streams(
    replicas, live_redis
):
    exam_id, tokens, _ = await _exam(live_redis, replicas, "authz")
    outsiders, _ = await people(replicas.identity_url, "authz-other")
    async with httpx.AsyncClient(base_url=replicas.a, timeout=10) as client:
        off_roster = await client.get(
            f"/v1/students/me/stream?exam_id={exam_id}", headers=_auth(outsiders["alice"])
        )
        assert off_roster.status_code == 403
        missing = await client.get(
            "/v1/students/me/stream?exam_id=no-such-exam", headers=_auth(tokens["alice"])
        )
        assert missing.status_code == 404
        assert missing.json()["error"] == "exam_not_found"
        malformed = await client.get(
            "/v1/students/me/stream?exam_id=exam:{x}", headers=_auth(tokens["alice"])
        )
        assert malformed.status_code == 422
        sitting = await sit(replicas.a, exam_id, tokens["alice"])
        try:
            body = {"exam_id": exam_id, "connection_id": sitting.connection_id}
            path = "/v1/students/me/presence"
            assert (await client.post(path, json=body)).status_code == 401
            as_proctor = await client.post(path, json=body, headers=_auth(tokens["proctor"]))
            assert as_proctor.status_code == 403
            as_bob = await client.post(path, json=body, headers=_auth(tokens["bob"]))
            assert as_bob.status_code == 404, "a beat only reaches the caller's own stream"
            bad = await client.post(
                path, json={**body, "connection_id": "x"}, headers=_auth(tokens["alice"])
            )
            assert bad.status_code == 422
            ok = await client.post(path, json=body, headers=_auth(tokens["alice"]))
            assert ok.status_code == 204
        finally:
            await sitting.close()
