"""Notifications over real HTTP (uvicorn subprocesses) and real Redis: SSE for students and
proctors, authorised by identity tokens from a roster import, Last-Event-ID replay, slow clients.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from assessment_engine.exams.models import Attempt
from assessment_engine.storage.attempts import create_attempt
from assessment_engine.storage.events import publish_event

from .conftest import create_exam, people
from .sse import sse_events

EXAM = "exam-live-1"
OTHER_EXAM = "exam-live-2"
MONITORED = "exam-live-monitored"


async def _attempt(redis, exam_id, student_id):
    now = datetime.now(UTC)
    attempt = Attempt(
        attempt_id=f"att-{student_id}",
        exam_id=exam_id,
        student_id=student_id,
        seed=1,
        question_ids=("q1",),
        started_at=now,
    )
    await create_attempt(redis, attempt, now + timedelta(hours=1))


def _auth(token, last_event_id=None):
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    return headers


async def _collect(client, path, headers, until, limit=10.0):
    """Events (not comments) of one stream until ``until(event)`` is true or the stream ends."""
    got = []
    async with asyncio.timeout(limit), client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        async for event in sse_events(response.aiter_lines()):
            if event.event == "comment":
                continue
            got.append(event)
            if until(event):
                break
    return got


async def _wait_connected(lines):
    async for event in sse_events(lines):
        if event.event == "comment" and "connected" in event.comments:
            return


async def test_student_stream_gets_own_events_and_released_result_then_replays(
    platform, live_redis
):
    identity_url, notify_url = platform.identity_url, platform.notify_url
    tokens, ids = await people(identity_url, "s")
    alice, bob = ids["alice"], ids["bob"]
    await create_exam(live_redis, EXAM, ids["proctor"])
    await _attempt(live_redis, EXAM, alice)
    path = "/v1/students/me/stream"

    async with httpx.AsyncClient(base_url=notify_url, timeout=10) as client:
        async with (
            asyncio.timeout(15),
            client.stream("GET", path, headers=_auth(tokens["alice"])) as response,
        ):
            assert response.status_code == 200
            lines = response.aiter_lines()
            await _wait_connected(lines)
            ids_sent = {
                "bob-extended": await publish_event(
                    live_redis, "attempt.extended", EXAM, {"student_id": bob, "seconds": 60}
                ),
                "extended": await publish_event(
                    live_redis, "attempt.extended", EXAM, {"student_id": alice, "seconds": 300}
                ),
                "graded": await publish_event(
                    live_redis, "submission.graded", EXAM, {"student_id": alice, "total": 3.0}
                ),
                "released": await publish_event(
                    live_redis,
                    "results.released",
                    EXAM,
                    {"released_at": "2026-01-01T00:00:00Z", "trigger": "manual"},
                ),
                "not-taken": await publish_event(
                    live_redis, "results.released", OTHER_EXAM, {"released_at": "x"}
                ),
                "named-bob": await publish_event(
                    live_redis,
                    "results.released",
                    OTHER_EXAM,
                    {"released_at": "x", "student_ids": [bob]},
                ),
                "paused": await publish_event(
                    live_redis,
                    "attempt.paused",
                    EXAM,
                    {"student_id": alice, "reason": "fire alarm"},
                ),
            }
            got = []
            async for event in sse_events(lines):
                if event.event != "comment":
                    got.append(event)
                if event.event == "attempt.paused":
                    break
        assert [(e.event, e.id) for e in got] == [
            ("attempt.extended", ids_sent["extended"]),
            ("results.released", ids_sent["released"]),
            ("attempt.paused", ids_sent["paused"]),
        ]
        released = got[1].json()
        assert released["exam_id"] == EXAM
        assert released["data"] == {"released_at": "2026-01-01T00:00:00Z", "trigger": "manual"}

        # offline: two more events; reconnecting with Last-Event-ID replays what was missed
        later = [
            await publish_event(live_redis, "attempt.resumed", EXAM, {"student_id": alice}),
            await publish_event(live_redis, "attempt.submitted", EXAM, {"student_id": alice}),
        ]
        replayed = await _collect(
            client,
            path,
            _auth(tokens["alice"], ids_sent["released"]),
            until=lambda e: e.id == later[-1],
        )
        assert [e.id for e in replayed] == [ids_sent["paused"], *later]

        for token, status in ((tokens["proctor"], 403), ("garbage", 401)):
            refused = await client.get(path, headers=_auth(token))
            assert refused.status_code == status


async def test_proctor_monitor_streams_own_exam_with_backlog(platform, live_redis):
    identity_url, notify_url = platform.identity_url, platform.notify_url
    tokens, ids = await people(identity_url, "m")
    await create_exam(live_redis, MONITORED, ids["proctor"])
    path = f"/v1/exams/{MONITORED}/monitor/stream"

    async with httpx.AsyncClient(base_url=notify_url, timeout=10) as client:
        assert (await client.get(path, headers=_auth(tokens["intruder"]))).status_code == 403
        assert (await client.get(path, headers=_auth(tokens["alice"]))).status_code == 403
        missing = await client.get(
            "/v1/exams/nope/monitor/stream", headers=_auth(tokens["proctor"])
        )
        assert missing.status_code == 404
        assert missing.json()["error"] == "exam_not_found"

        async with (
            asyncio.timeout(15),
            client.stream("GET", path, headers=_auth(tokens["proctor"])) as response,
        ):
            lines = response.aiter_lines()
            await _wait_connected(lines)
            started = await publish_event(
                live_redis,
                "attempt.started",
                MONITORED,
                {"student_id": ids["alice"], "attempt_id": "a1"},
            )
            await publish_event(
                live_redis, "attempt.started", OTHER_EXAM, {"student_id": ids["bob"]}
            )
            graded = await publish_event(
                live_redis,
                "submission.graded",
                MONITORED,
                {
                    "student_id": ids["alice"],
                    "total": 2.0,
                    "max_total": 4.0,
                    "questions": [{"question_id": "q1", "response": "x"}],
                },
            )
            got, backlogs, presences = [], 0, []
            async for event in sse_events(lines):
                if event.event == "backlog":
                    backlogs += 1
                    assert event.id is None
                    assert event.json()["exam_id"] == MONITORED
                elif event.event == "presence":
                    assert event.id is None
                    presences.append(event.json())
                elif event.event != "comment":
                    got.append(event)
                if got and got[-1].id == graded and backlogs >= 2:
                    break
        assert [(e.event, e.id) for e in got] == [
            ("attempt.started", started),
            ("submission.graded", graded),
        ]
        # Sent once at the start and then only on a change: nobody's page is connected here.
        assert [(p["exam_id"], p["online"], p["reconnecting"]) for p in presences] == [
            (MONITORED, [], [])
        ]
        assert "questions" not in got[1].json()["data"]
        assert got[1].json()["data"]["total"] == 2.0


async def test_slow_client_is_dropped_at_its_bound_and_resumes_without_loss(platform, live_redis):
    identity_url, notify_url = platform.identity_url, platform.notify_url
    tokens, ids = await people(identity_url, "slow")
    alice = ids["alice"]
    path = "/v1/students/me/stream"
    padding = "x" * 32_000  # enough bytes to fill the socket buffers of a client that stalls
    published = []

    async with httpx.AsyncClient(base_url=notify_url, timeout=30) as client:
        async with client.stream("GET", path, headers=_auth(tokens["alice"])) as response:
            lines = response.aiter_lines()
            assert (await anext(lines)).startswith(":")  # connected; now stop reading
            for index in range(600):
                published.append(
                    await publish_event(
                        live_redis,
                        "attempt.extended",
                        EXAM,
                        {"student_id": alice, "seq": index, "padding": padding},
                    )
                )
            async with asyncio.timeout(20):
                while True:
                    metrics = (await client.get("/metrics")).text
                    if "notifications_client_overflows_total 1.0" in metrics:
                        break
                    await asyncio.sleep(0.1)
            high_water = next(
                float(line.split()[-1])
                for line in metrics.splitlines()
                if line.startswith("notifications_client_queue_high_water")
            )
            assert high_water <= 8, "a stalled client holds at most its queue"

            first_part, ended_with = [], None
            async with asyncio.timeout(20):
                async for event in sse_events(lines):
                    if event.event == "attempt.extended":
                        first_part.append(event.id)
                    elif event.event == "overflow":
                        ended_with = event
        assert ended_with is not None, "the server ends a too-slow stream explicitly"
        assert len(first_part) < len(published)
        assert first_part == published[: len(first_part)], "in order, nothing skipped"

        rest = await _collect(
            client,
            path,
            _auth(tokens["alice"], first_part[-1]),
            until=lambda e: e.id == published[-1],
            limit=30,
        )
        assert [e.id for e in rest] == published[len(first_part) :]
