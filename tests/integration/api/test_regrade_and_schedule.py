"""Regrade after a key fix (dry-run diff, apply, regraded by a real queue consumer), the
upcoming-exam schedule, and dead-letter list/retry."""

from __future__ import annotations

from datetime import timedelta

from assessment_engine.storage.queue import GradingQueue
from assessment_engine.storage.results import get_result
from tests.integration.api.conftest import GIFT_BANK, T0, Api
from tests.integration.api.test_end_to_end import grade_pending

FIXED_BANK = GIFT_BANK.replace("{=zanzibarkey}", "{=zanzibarkey =zanzibar}")


async def test_regrade_dry_run_lists_changes_then_apply_regrades(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    proctor = api.token("proctor-1", "proctor")
    for student, answer in (("s1", "zanzibar"), ("s2", "zanzibarkey"), ("s3", "other")):
        await api.start(exam_id, student)
        await api.save(exam_id, "short", 1, answer, student=student)
        await api.submit(exam_id, student=student)
    assert await grade_pending(api) == 3

    proposal = await api.client.post(
        f"/v1/exams/{exam_id}/regrades",
        json={"bank": FIXED_BANK, "format": "gift", "reason": "accept the short form"},
        headers=proctor,
    )
    assert proposal.status_code == 201, proposal.text
    diff = proposal.json()
    assert (diff["from_key_version"], diff["to_key_version"]) == (1, 2)
    assert diff["changed_questions"] == ["short"]
    assert diff["submissions_checked"] == 3
    assert [(c["student_id"], c["question_id"], c["delta"]) for c in diff["changes"]] == [
        ("s1", "short", 1.0)
    ]
    exam = (await api.client.get(f"/v1/exams/{exam_id}", headers=proctor)).json()
    assert exam["key_version"] == 1  # a dry run changes nothing

    applied = await api.client.post(
        f"/v1/exams/{exam_id}/regrades/{diff['regrade_id']}/apply", headers=proctor
    )
    assert applied.status_code == 202
    assert applied.json() == {
        "regrade_id": diff["regrade_id"],
        "key_version": 2,
        "jobs_enqueued": 3,
    }
    assert await grade_pending(api) == 3
    s1 = diff["changes"][0]["submission_id"]
    result = await get_result(api.redis, exam_id, s1)
    assert (result.key_version, result.total) == (2, 1.0)
    again = await api.client.post(
        f"/v1/exams/{exam_id}/regrades/{diff['regrade_id']}/apply", headers=proctor
    )
    assert again.status_code == 404
    audit = (await api.client.get(f"/v1/exams/{exam_id}/audit", headers=proctor)).json()
    assert [a["action"] for a in audit] == ["regrade.proposed", "regrade.applied"]


async def test_a_key_fix_must_keep_question_ids(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    response = await api.client.post(
        f"/v1/exams/{exam_id}/regrades",
        json={"bank": "::other:: Q {T}", "format": "gift", "reason": "oops"},
        headers=api.token("proctor-1", "proctor"),
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid_question_bank")


async def test_upcoming_lists_exams_opening_soon_with_expected_candidates(api: Api) -> None:
    api.clock.set(T0 - timedelta(minutes=30))
    soon = await api.create_exam(expected_candidates=1200)
    await api.create_exam(
        opens_at=(T0 + timedelta(days=2)).isoformat(),
        closes_at=(T0 + timedelta(days=2, hours=1)).isoformat(),
    )
    response = await api.client.get(
        "/v1/schedule/upcoming", params={"within_seconds": 3600}, headers=api.token("op", "service")
    )
    assert response.status_code == 200
    assert [
        (e["exam_id"], e["expected_candidates"], e["seconds_until_open"]) for e in response.json()
    ] == [(soon["exam_id"], 1200, 1800.0)]
    bad = await api.client.get(
        "/v1/schedule/upcoming", params={"within_seconds": -1}, headers=api.token("op", "service")
    )
    assert bad.status_code == 422


async def test_patch_moves_the_schedule_and_roster(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    response = await api.client.patch(
        f"/v1/exams/{exam_id}",
        json={"closes_at": (T0 + timedelta(hours=5)).isoformat(), "roster": ["s1", "s9"]},
        headers=api.token("proctor-1", "proctor"),
    )
    assert response.status_code == 200
    assert response.json()["roster"] == ["s1", "s9"]
    assert response.json()["closes_at"] == "2026-03-29T05:00:00Z"
    assert (await api.start(exam_id, "s9")).status_code == 201


async def test_dead_letters_are_listed_and_retried(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    await api.submit(exam_id)
    queue = GradingQueue(api.redis, lease_ms=60_000, max_deliveries=1)
    jobs = await queue.claim("w", count=1, block_ms=10)
    await queue.fail(jobs[0], "grader crashed", retry_in_ms=0)
    proctor = api.token("proctor-1", "proctor")
    dead = (await api.client.get(f"/v1/exams/{exam_id}/dead-letters", headers=proctor)).json()
    assert len(dead) == 1
    assert dead[0]["error"] == "grader crashed"
    monitor = (await api.client.get(f"/v1/exams/{exam_id}/monitor", headers=proctor)).json()
    assert monitor["dead_letters"] == 1
    retried = await api.client.post(
        f"/v1/exams/{exam_id}/dead-letters/{dead[0]['dead_id']}/retry", headers=proctor
    )
    assert retried.status_code == 202
    assert await grade_pending(api) == 1
    twice = await api.client.post(
        f"/v1/exams/{exam_id}/dead-letters/{dead[0]['dead_id']}/retry", headers=proctor
    )
    assert twice.status_code == 404
