"""Deadlines through the API: at close, inside grace, after grace, DST, accommodations,
pauses, auto-submit dated at the deadline."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from assessment_engine.api.services.sweeper import sweep_once
from assessment_engine.storage.attempts import get_attempt
from assessment_engine.storage.events import read_events
from assessment_engine.storage.submissions import get_submission
from tests.integration.api.conftest import T0, Api

CLOSE = T0 + timedelta(hours=3)


async def _late_starter(api: Api) -> str:
    """An attempt started 30 min before close: its deadline is the close."""
    exam_id: str = (await api.create_exam())["exam_id"]
    api.clock.set(CLOSE - timedelta(minutes=30))
    started = await api.start(exam_id)
    assert started.json()["deadline"] == "2026-03-29T03:00:00Z"
    assert (await api.save(exam_id, "tf", 1, True)).status_code == 200
    return exam_id


async def test_submit_exactly_at_close_is_on_time(api: Api) -> None:
    exam_id = await _late_starter(api)
    api.clock.set(CLOSE)
    response = await api.submit(exam_id)
    assert response.status_code == 202
    assert response.json()["late"] is False


async def test_submit_inside_grace_is_accepted_and_flagged_late(api: Api) -> None:
    exam_id = await _late_starter(api)
    api.clock.set(CLOSE + timedelta(seconds=59))
    response = await api.submit(exam_id)
    assert response.status_code == 202
    assert response.json()["late"] is True
    stored = await get_submission(api.redis, exam_id, response.json()["submission_id"])
    assert stored.late is True


async def test_after_grace_submit_is_refused_and_saved_answers_were_auto_submitted(
    api: Api,
) -> None:
    exam_id = await _late_starter(api)
    api.clock.set(CLOSE + timedelta(seconds=61))
    response = await api.submit(exam_id)
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    attempt = (await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token("s1"))).json()
    assert attempt["status"] == "submitted"
    assert attempt["auto_submitted"] is True
    assert attempt["submitted_at"] == "2026-03-29T03:00:00Z"
    stored = await get_submission(api.redis, exam_id, attempt["submission_id"])
    assert stored.answers == {"tf": True}
    assert stored.auto_submitted is True
    save = await api.save(exam_id, "tf", 2, False)
    assert save.status_code == 409
    assert save.json()["code"] in ("already_submitted", "deadline_passed")


async def test_sweeper_auto_submits_at_the_deadline_instant_not_the_sweep_time(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    api.clock.advance(minutes=10)
    await api.start(exam_id)
    await api.save(exam_id, "num", 1, 4)
    api.clock.advance(hours=1, seconds=30)
    assert await sweep_once(api.app.state.context) == 0  # inside grace: nothing due
    api.clock.advance(hours=1)
    assert await sweep_once(api.app.state.context) == 1
    attempt = (
        await api.client.get(
            f"/v1/exams/{exam_id}/attempts", headers=api.token("proctor-1", "proctor")
        )
    ).json()[0]
    assert attempt["auto_submitted"] is True
    assert attempt["submitted_at"] == "2026-03-29T01:10:00Z"
    events = [e.type for e in await read_events(api.redis)]
    assert "attempt.submitted" in events


async def test_dst_switch_in_the_display_zone_leaves_the_deadline_alone(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    api.clock.set(T0 + timedelta(minutes=30))  # 01:30 CET; DST starts at 01:00 UTC
    started = (await api.start(exam_id)).json()
    assert started["deadline"] == "2026-03-29T01:30:00Z"
    assert started["display"]["values"]["started_at"] == "2026-03-29T01:30:00+01:00"
    assert started["display"]["values"]["deadline"] == "2026-03-29T03:30:00+02:00"
    api.clock.advance(minutes=59)
    view = (await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token("s1"))).json()
    assert view["remaining_seconds"] == 60
    assert view["display"]["values"]["now"] == "2026-03-29T03:29:00+02:00"
    api.clock.advance(minutes=1)
    assert (await api.submit(exam_id)).json()["late"] is False


async def test_accommodation_added_mid_attempt_is_effective_immediately(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    api.clock.advance(minutes=59)
    change = await api.client.put(
        f"/v1/exams/{exam_id}/accommodations/s1",
        json={"time_multiplier": 1.5, "extra_seconds": 600, "reason": "approved plan"},
        headers=api.token("proctor-1", "proctor"),
    )
    assert change.status_code == 200, change.text
    view = (await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token("s1"))).json()
    assert view["deadline"] == "2026-03-29T01:40:00Z"
    api.clock.advance(minutes=30)  # past the original deadline + grace
    assert (await api.save(exam_id, "tf", 1, True)).status_code == 200
    response = await api.submit(exam_id)
    assert response.status_code == 202
    assert response.json()["late"] is False
    events = [e for e in await read_events(api.redis) if e.type == "attempt.accommodation_changed"]
    assert events[0].data["deadline"] == "2026-03-29T01:40:00+00:00"


async def test_accommodation_extends_past_the_close_for_a_late_starter(api: Api) -> None:
    exam_id = await _late_starter(api)
    await api.client.put(
        f"/v1/exams/{exam_id}/accommodations/s1",
        json={"time_multiplier": 1.0, "extra_seconds": 900, "reason": "extra time"},
        headers=api.token("proctor-1", "proctor"),
    )
    api.clock.set(CLOSE + timedelta(minutes=10))
    response = await api.submit(exam_id)
    assert response.status_code == 202
    assert response.json()["late"] is False


async def test_pause_gives_time_back_and_blocks_answers(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    proctor = api.token("proctor-1", "proctor")
    api.clock.advance(minutes=10)
    paused = await api.client.post(
        f"/v1/exams/{exam_id}/attempts/s1/pause", json={"reason": "fire alarm"}, headers=proctor
    )
    assert paused.json()["status"] == "paused"
    blocked = await api.save(exam_id, "tf", 1, True)
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "attempt_not_active"
    api.clock.advance(minutes=20)
    resumed = await api.client.post(
        f"/v1/exams/{exam_id}/attempts/s1/resume", json={"reason": "all clear"}, headers=proctor
    )
    assert resumed.json()["deadline"] == "2026-03-29T01:20:00Z"
    extended = await api.client.post(
        f"/v1/exams/{exam_id}/attempts/s1/extend",
        json={"reason": "network trouble", "seconds": 300},
        headers=proctor,
    )
    assert extended.json()["deadline"] == "2026-03-29T01:25:00Z"
    audit = (await api.client.get(f"/v1/exams/{exam_id}/audit", headers=proctor)).json()
    assert [(a["action"], a["reason"]) for a in audit] == [
        ("attempt.pause", "fire alarm"),
        ("attempt.resume", "all clear"),
        ("attempt.extend", "network trouble"),
    ]
    types = [e.type for e in await read_events(api.redis)]
    assert {"attempt.started", "attempt.paused", "attempt.resumed", "attempt.extended"} <= set(
        types
    )


async def test_terminate_submits_saved_answers_and_ends_the_attempt(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    await api.save(exam_id, "short", 1, "nothing")
    api.clock.advance(minutes=3)
    ended = await api.client.post(
        f"/v1/exams/{exam_id}/attempts/s1/terminate",
        json={"reason": "unauthorised device"},
        headers=api.token("proctor-1", "proctor"),
    )
    assert ended.status_code == 200
    assert ended.json()["status"] == "terminated"
    stored = await get_submission(api.redis, exam_id, ended.json()["submission_id"])
    assert stored.answers == {"short": "nothing"}
    refused = await api.submit(exam_id)
    assert refused.status_code == 409


async def test_exam_closed_event_is_published_once(api: Api) -> None:
    exam_id = (await api.create_exam(release_policy="after_close"))["exam_id"]
    api.clock.set(CLOSE + timedelta(seconds=1))
    await sweep_once(api.app.state.context)
    await sweep_once(api.app.state.context)
    events = [e for e in await read_events(api.redis) if e.exam_id == exam_id]
    assert [e.type for e in events] == ["exam.closed", "results.released"]


async def test_background_sweeper_in_the_app_lifespan_auto_submits(api_factory) -> None:
    api: Api = api_factory(sweeper_enabled=True, sweeper_interval_seconds=0.05)
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    await api.save(exam_id, "tf", 1, True)
    async with api.app.router.lifespan_context(api.app):
        api.clock.advance(hours=1, minutes=2)
        for _ in range(200):
            attempt = await get_attempt(api.redis, exam_id, "s1")
            if attempt is not None and attempt.finished:
                break
            await asyncio.sleep(0.02)
    assert attempt is not None
    assert attempt.status == "submitted"
    assert attempt.auto_submitted
    assert attempt.submitted_at == T0 + timedelta(hours=1)
