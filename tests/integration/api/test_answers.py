"""Autosave ordering and idempotent submit."""

from __future__ import annotations

import asyncio

from assessment_engine.storage.submissions import count_submissions, get_submission
from tests.integration.api.conftest import Api


async def test_out_of_order_autosaves_never_overwrite_a_newer_answer(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    assert (await api.save(exam_id, "short", 5, "newest")).status_code == 200
    stale = await api.save(exam_id, "short", 3, "older")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_save"
    assert stale.json()["details"]["current_seq"] == 5
    equal = await api.save(exam_id, "short", 5, "same seq, other text")
    assert equal.status_code == 409
    view = await api.client.get(f"/v1/exams/{exam_id}/attempt/questions", headers=api.token("s1"))
    assert view.json()["saved_answers"]["short"]["answer"] == "newest"
    assert (await api.save(exam_id, "short", 6, "final")).status_code == 200
    receipt = (await api.submit(exam_id)).json()
    stored = await get_submission(api.redis, exam_id, receipt["submission_id"])
    assert stored.answers == {"short": "final"}


async def test_autosave_to_a_question_not_in_the_attempt_is_404(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    response = await api.save(exam_id, "nope", 1, "x")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_concurrent_autosaves_keep_the_highest_sequence(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    responses = await asyncio.gather(*(api.save(exam_id, "num", seq, seq) for seq in range(1, 21)))
    assert {r.status_code for r in responses} <= {200, 409}
    view = await api.client.get(f"/v1/exams/{exam_id}/attempt/questions", headers=api.token("s1"))
    assert view.json()["saved_answers"]["num"] == {
        "seq": 20,
        "answer": 20,
        "saved_at": view.json()["saved_answers"]["num"]["saved_at"],
    }


async def test_duplicate_submit_returns_the_same_receipt(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    first = await api.submit(exam_id, key="abc")
    again = await api.submit(exam_id, key="abc")
    assert first.status_code == again.status_code == 202
    assert again.json()["submission_id"] == first.json()["submission_id"]
    assert again.json()["received_at"] == first.json()["received_at"]
    assert again.json()["duplicate"] is True
    other = await api.submit(exam_id, key="another")
    assert other.status_code == 409
    assert other.json()["code"] == "already_submitted"
    assert other.json()["details"]["submission_id"] == first.json()["submission_id"]
    assert await count_submissions(api.redis, exam_id) == 1


async def test_concurrent_submits_store_exactly_one_submission(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    responses = await asyncio.gather(*(api.submit(exam_id, key="same") for _ in range(10)))
    assert {r.status_code for r in responses} <= {202, 409}
    ids = {r.json()["submission_id"] for r in responses if r.status_code == 202}
    assert len(ids) == 1
    assert await count_submissions(api.redis, exam_id) == 1


async def test_submit_needs_an_idempotency_key(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    response = await api.client.post(f"/v1/exams/{exam_id}/attempt/submit", headers=api.token("s1"))
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_final_answers_in_the_submit_body_are_saved_first(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    await api.save(exam_id, "tf", 3, False)
    response = await api.client.post(
        f"/v1/exams/{exam_id}/attempt/submit",
        json={"final_answers": {"tf": {"seq": 2, "answer": True}, "num": {"seq": 1, "answer": 4}}},
        headers={**api.token("s1"), "Idempotency-Key": "z"},
    )
    assert response.status_code == 202
    stored = await get_submission(api.redis, exam_id, response.json()["submission_id"])
    assert stored.answers == {"tf": False, "num": 4}


async def test_starting_twice_returns_the_same_attempt(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    first = await api.start(exam_id)
    again = await api.start(exam_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["attempt_id"] == again.json()["attempt_id"]
