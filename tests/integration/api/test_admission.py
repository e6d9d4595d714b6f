"""Admission control for synchronized starts: 429 with Retry-After, never a 5xx."""

from __future__ import annotations

import asyncio

from tests.integration.api.conftest import Api


async def test_synchronized_starts_beyond_the_burst_get_429_with_retry_after(
    api_factory,
) -> None:
    api: Api = api_factory(admission_rate_per_second=2.0, admission_burst=3)
    roster = [f"s{i}" for i in range(10)]
    exam_id = (await api.create_exam(roster=roster))["exam_id"]
    responses = await asyncio.gather(*(api.start(exam_id, s) for s in roster))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 3 + [429] * 7
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["details"]["retry_after_seconds"] > 0

    api.clock.advance(seconds=1)
    later = [await api.start(exam_id, s) for s in roster]
    assert sorted(r.status_code for r in later) == [200] * 3 + [201] * 2 + [429] * 5


async def test_re_entering_an_attempt_needs_no_token(api_factory) -> None:
    api: Api = api_factory(admission_rate_per_second=0.001, admission_burst=1)
    exam_id = (await api.create_exam())["exam_id"]
    assert (await api.start(exam_id, "s1")).status_code == 201
    assert (await api.start(exam_id, "s2")).status_code == 429
    assert (await api.start(exam_id, "s1")).status_code == 200


async def test_start_outside_the_window_or_roster_is_refused(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    api.clock.advance(seconds=-1)
    early = await api.start(exam_id)
    assert (early.status_code, early.json()["code"]) == (409, "exam_not_open")
    api.clock.advance(hours=3, seconds=1)
    late = await api.start(exam_id)
    assert (late.status_code, late.json()["code"]) == (409, "exam_not_open")
    api.clock.advance(hours=-1)
    stranger = await api.start(exam_id, "intruder")
    assert (stranger.status_code, stranger.json()["code"]) == (403, "forbidden")


async def test_a_synchronized_start_of_a_large_roster_never_answers_5xx(api_factory) -> None:
    api: Api = api_factory(own_pool=True, admission_rate_per_second=50.0, admission_burst=50)
    roster = [f"s{i}" for i in range(150)]
    exam_id = (await api.create_exam(roster=roster))["exam_id"]
    responses = await asyncio.gather(*(api.start(exam_id, s) for s in roster))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 50
    assert codes.count(429) == 100
    waits = {r.headers["Retry-After"] for r in responses if r.status_code == 429}
    assert waits == {"1"}
    started = 50
    while started < len(roster):  # everyone gets in, at the admitted rate
        api.clock.advance(seconds=1)
        again = await asyncio.gather(*(api.start(exam_id, s) for s in roster))
        newly = sum(1 for r in again if r.status_code == 201)
        assert newly == 50 or started + newly == len(roster)
        assert all(r.status_code in (200, 201, 429) for r in again)
        started += newly
