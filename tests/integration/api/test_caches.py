"""The API's per-process caches never serve stale state: exam definitions (validated by the
revision stored with every definition write), verified tokens (never past ``exp``), the roster
set, and the folded submit path (final answers + claim; accept + attempt record)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import redis.asyncio as aioredis

from assessment_engine.api.auth import DevIssuer, Principal, TokenCache, build_verifier
from assessment_engine.api.settings import ApiSettings
from assessment_engine.storage import attempts as attempt_store
from assessment_engine.storage import exams as exam_store
from assessment_engine.storage.models import NewSubmission
from assessment_engine.storage.submissions import accept_submission_and_set, count_submissions
from tests.integration.api.conftest import T0, Api


async def _deadline(api: Api, exam_id: str, student: str = "s1") -> str:
    response = await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token(student))
    assert response.status_code == 200, response.text
    deadline: str = response.json()["deadline"]
    return deadline


async def test_a_cached_exam_is_reused_only_at_its_stored_revision(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    first = await exam_store.get_exam(api.redis, exam_id)
    assert await exam_store.get_exam(api.redis, exam_id) is first  # same revision: no re-parse
    revision = await api.redis.get(exam_store.revision_key(exam_id))

    # Another process (here: a direct storage write) changes the definition.
    await exam_store.update_exam(
        api.redis, exam_id, lambda e: e.model_copy(update={"title": "Renamed"})
    )
    assert await api.redis.get(exam_store.revision_key(exam_id)) != revision
    after = await exam_store.get_exam(api.redis, exam_id)
    assert after.title == "Renamed"
    loaded, _ = await attempt_store.load_exam_and_attempt(api.redis, exam_id, "s1")
    assert loaded.title == "Renamed"


async def test_a_definition_without_revision_is_read_every_time(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    exam = await exam_store.get_exam(api.redis, exam_id)
    await api.redis.delete(exam_store.revision_key(exam_id))  # e.g. written by an older version
    await api.redis.set(
        exam_store.exam_key(exam_id), exam.model_copy(update={"title": "Old"}).model_dump_json()
    )
    assert (await exam_store.get_exam(api.redis, exam_id)).title == "Old"
    await api.redis.set(
        exam_store.exam_key(exam_id), exam.model_copy(update={"title": "Older"}).model_dump_json()
    )
    assert (await exam_store.get_exam(api.redis, exam_id)).title == "Older"


async def test_an_accommodation_moves_a_cached_attempts_deadline_at_once(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    assert await _deadline(api, exam_id) == "2026-03-29T01:00:00Z"  # exam now cached
    api.clock.advance(minutes=61, seconds=30)  # past the deadline + 60 s grace
    change = await api.client.put(
        f"/v1/exams/{exam_id}/accommodations/s1",
        json={"time_multiplier": 1.0, "extra_seconds": 300, "reason": "approved plan"},
        headers=api.token("proctor-1", "proctor"),
    )
    assert change.status_code == 200, change.text
    assert await _deadline(api, exam_id) == "2026-03-29T01:05:00Z"
    saved = await api.save(exam_id, "tf", 1, True)
    assert saved.status_code == 200, saved.text
    response = await api.submit(exam_id)
    assert response.status_code == 202, response.text
    assert response.json()["late"] is False


async def test_a_patched_schedule_is_enforced_by_the_next_request(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    assert await _deadline(api, exam_id) == "2026-03-29T01:00:00Z"
    patched = await api.client.patch(
        f"/v1/exams/{exam_id}",
        json={"time_limit_seconds": 600, "grace_seconds": 0},
        headers=api.token("proctor-1", "proctor"),
    )
    assert patched.status_code == 200, patched.text
    assert await _deadline(api, exam_id) == "2026-03-29T00:10:00Z"
    api.clock.advance(minutes=11)
    refused = await api.save(exam_id, "tf", 1, True)  # the access auto-submits first
    assert refused.status_code == 409
    assert refused.json()["code"] == "already_submitted"
    view = await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token("s1"))
    assert view.json()["auto_submitted"] is True


async def test_a_student_added_to_the_roster_may_start_at_once(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    assert (await api.start(exam_id, "s9")).status_code == 403  # roster set now cached
    patched = await api.client.patch(
        f"/v1/exams/{exam_id}",
        json={"roster": ["s1", "s9"]},
        headers=api.token("proctor-1", "proctor"),
    )
    assert patched.status_code == 200, patched.text
    assert (await api.start(exam_id, "s9")).status_code == 201
    assert (await api.start(exam_id, "s2")).status_code == 403  # removed by the PATCH


def test_a_cached_token_is_never_used_past_its_expiry() -> None:
    cache = TokenCache(max_entries=2, max_age=300)
    principal = Principal(sub="s1", role="student")
    cache.put("token-a", principal, exp=1_000.0, now=900.0)
    assert cache.get("token-a", now=999.9) is principal
    assert cache.get("token-a", now=1_000.0) is None
    cache.put("token-b", principal, exp=10_000.0, now=900.0)
    assert cache.get("token-b", now=1_199.0) is principal
    assert cache.get("token-b", now=1_200.0) is None  # max_age after verification
    for name in ("c", "d", "e"):
        cache.put(name, principal, exp=10_000.0, now=900.0)
    assert len(cache) == 2  # bounded


async def test_an_expired_token_is_refused_although_it_was_cached(api: Api) -> None:
    dev = api.app.state.verifier.dev
    exam_id = (await api.create_exam())["exam_id"]
    token = dev.mint("s1", "student", ttl=60)
    headers = {"Authorization": f"Bearer {token}"}
    verifier = api.app.state.verifier
    assert (await verifier.verify(token)).sub == "s1"  # cached now
    entry_deadline = verifier.cache._entries[token][0]
    verifier.cache._entries[token] = (entry_deadline - 3600, verifier.cache._entries[token][1])
    # The cache entry has lapsed; verification runs again (and the token is still valid).
    assert (await api.client.get(f"/v1/exams/{exam_id}/overview", headers=headers)).status_code
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = await api.client.get(
        f"/v1/exams/{exam_id}/overview", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


def test_processes_sharing_the_dev_secret_verify_each_others_tokens() -> None:
    a = DevIssuer("iss", "aud", 600, secret="shared")
    b = DevIssuer("iss", "aud", 600, secret="shared")
    assert a.kid == b.kid
    assert a.jwks() == b.jwks()
    assert DevIssuer("iss", "aud", 600, secret="other").kid != a.kid
    assert DevIssuer("iss", "aud", 600).kid != DevIssuer("iss", "aud", 600).kid


async def test_a_token_minted_by_one_app_verifies_in_another_with_the_same_secret(
    redis_server_session: Any,
) -> None:
    def settings() -> ApiSettings:
        return ApiSettings(
            redis_url=redis_server_session.url,
            dev_issuer=True,
            dev_issuer_secret="bench-secret",  # type: ignore[arg-type]
        )

    minting, verifying = build_verifier(settings()), build_verifier(settings())
    assert minting.dev is not None
    token = minting.dev.mint("p1", "proctor")
    assert (await verifying.verify(token)).sub == "p1"


async def test_final_answers_and_the_claim_are_one_step(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    assert (await api.save(exam_id, "tf", 5, True)).status_code == 200
    owner, saved = await attempt_store.claim_submit_with_answers(
        api.redis,
        exam_id,
        "s1",
        "k1",
        [("tf", 3, False), ("num", 1, 4)],  # tf: stale (seq 3 <= 5), skipped
        T0,
    )
    assert owner == "k1"
    assert {q: s.answer for q, s in saved.items()} == {"tf": True, "num": 4}
    # A later save is refused (the claim exists); another key learns the owner.
    assert (await api.save(exam_id, "num", 2, 5)).status_code == 409
    other, nothing = await attempt_store.claim_submit_with_answers(
        api.redis, exam_id, "s1", "k2", [("num", 9, 7)], T0
    )
    assert (other, nothing) == ("k1", {})
    answers = await attempt_store.load_answers(api.redis, exam_id, "s1")
    assert answers["num"].answer == 4


async def test_accept_records_the_attempt_only_if_it_is_unchanged(
    api: Api, redis_client: aioredis.Redis
) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    key = attempt_store.attempt_key(exam_id, "s1")
    current = (await redis_client.get(key)).decode()

    def submission(idem: str) -> NewSubmission:
        return NewSubmission(
            exam_id=exam_id,
            attempt_id="a",
            student_id="s1",
            idempotency_key=idem,
            answers={},
            question_ids=["tf"],
            key_version=1,
            received_at=T0 + timedelta(minutes=5),
        )

    receipt, written = await accept_submission_and_set(
        redis_client, submission("k1"), submission_id="sid-1", companion=(key, "stale", "new")
    )
    assert (receipt.submission_id, receipt.duplicate, written) == ("sid-1", False, False)
    assert (await redis_client.get(key)).decode() == current  # not overwritten
    receipt, written = await accept_submission_and_set(
        redis_client, submission("k1"), submission_id="sid-2", companion=(key, current, "new")
    )
    assert (receipt.submission_id, receipt.duplicate, written) == ("sid-1", True, False)
    receipt, written = await accept_submission_and_set(
        redis_client, submission("k2"), submission_id="sid-3", companion=(key, current, "new")
    )
    assert written
    assert (await redis_client.get(key)) == b"new"
    assert await count_submissions(redis_client, exam_id) == 2


async def test_a_submit_records_the_attempt_in_the_accept_step(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    api.clock.advance(minutes=10)
    response = await api.client.post(
        f"/v1/exams/{exam_id}/attempt/submit",
        json={"final_answers": {"tf": {"seq": 1, "answer": True}}},
        headers={**api.token("s1"), "Idempotency-Key": "k1"},
    )
    assert response.status_code == 202, response.text
    receipt = response.json()
    attempt = await attempt_store.get_attempt(api.redis, exam_id, "s1")
    assert attempt is not None
    assert attempt.status == "submitted"
    assert attempt.submission_id == receipt["submission_id"]
    assert attempt.received_at is not None
    assert attempt.received_at == datetime.fromisoformat(receipt["received_at"])
    running = await api.redis.zscore(attempt_store.RUNNING, f'["{exam_id}", "s1"]')
    assert running is None
    again = await api.submit(exam_id, key="k1")
    assert again.status_code == 202
    assert again.json()["duplicate"] is True
    assert again.json()["submission_id"] == receipt["submission_id"]
