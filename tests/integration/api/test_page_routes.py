"""Routes the web pages need: my exams, the live roster, receipts with a digest, my stored
submission, the read-only decision record, graded-by counts, and CORS for the pages' origin."""

from __future__ import annotations

from datetime import timedelta

from assessment_engine.contracts.decision_record import DecisionRecord, publish_decision
from assessment_engine.exams.receipts import answers_digest
from assessment_engine.storage.submissions import get_submission
from tests.integration.api.conftest import CORRECT, T0, Api
from tests.integration.api.test_end_to_end import grade_pending


async def test_my_exams_lists_the_roster_exams_with_my_attempt_state(api: Api) -> None:
    first = (await api.create_exam(title="First"))["exam_id"]
    later = (
        await api.create_exam(
            title="Later",
            opens_at=(T0 + timedelta(days=1)).isoformat(),
            closes_at=(T0 + timedelta(days=1, hours=2)).isoformat(),
            roster=["s1"],
        )
    )["exam_id"]
    await api.create_exam(title="Not mine", roster=["s9"])
    await api.start(first, "s1")
    mine = await api.client.get("/v1/students/me/exams", headers=api.token("s1"))
    assert mine.status_code == 200, mine.text
    rows = mine.json()
    assert [(r["exam_id"], r["attempt_state"]) for r in rows] == [
        (first, "in_progress"),
        (later, "not_started"),
    ]
    assert rows[0]["display"]["timezone"] == "Europe/Berlin"
    assert "roster" not in rows[0]
    assert "owner" not in rows[0]
    other = await api.client.get("/v1/students/me/exams", headers=api.token("s2"))
    assert [r["exam_id"] for r in other.json()] == [first]


async def test_removing_a_student_from_the_roster_removes_the_exam_from_their_list(
    api: Api,
) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    patched = await api.client.patch(
        f"/v1/exams/{exam_id}",
        json={"roster": ["s1", "s4"]},
        headers=api.token("proctor-1", "proctor"),
    )
    assert patched.status_code == 200
    for student, expected in (("s2", []), ("s4", [exam_id]), ("s1", [exam_id])):
        got = await api.client.get("/v1/students/me/exams", headers=api.token(student))
        assert [r["exam_id"] for r in got.json()] == expected, student


async def test_live_roster_shows_state_time_left_and_last_autosave(api: Api) -> None:
    exam_id = (await api.create_exam(roster=["s1", "s2", "s3"]))["exam_id"]
    proctor = api.token("proctor-1", "proctor")
    await api.start(exam_id, "s1")
    await api.start(exam_id, "s2")
    api.clock.advance(seconds=30)
    assert (await api.save(exam_id, "tf", 1, True, "s1")).status_code == 200
    assert (await api.save(exam_id, "num", 1, "4", "s1")).status_code == 200
    paused = await api.client.post(
        f"/v1/exams/{exam_id}/attempts/s2/pause", json={"reason": "fire alarm"}, headers=proctor
    )
    assert paused.status_code == 200
    roster = await api.client.get(f"/v1/exams/{exam_id}/roster", headers=proctor)
    assert roster.status_code == 200, roster.text
    body = roster.json()
    rows = {r["student_id"]: r for r in body["rows"]}
    assert list(rows) == ["s1", "s2", "s3"]
    assert rows["s1"]["state"] == "in_progress"
    assert rows["s1"]["answered"] == 2
    assert rows["s1"]["last_saved_at"] == "2026-03-29T00:00:30Z"
    assert rows["s1"]["remaining_seconds"] == 3570.0
    assert rows["s2"]["state"] == "paused"
    assert rows["s3"] == {**rows["s3"], "state": "not_started", "attempt_id": None}
    assert body["counts"]["in_progress"] == 1
    assert body["counts"]["not_started"] == 1


async def test_live_roster_tells_auto_submitted_from_submitted(api: Api) -> None:
    exam_id = (await api.create_exam(roster=["s1", "s2"]))["exam_id"]
    await api.start(exam_id, "s1")
    await api.start(exam_id, "s2")
    assert (await api.submit(exam_id, "k", "s1")).status_code == 202
    api.clock.advance(hours=2)  # past s2's deadline and grace: the on-access check submits
    assert (await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token("s2"))).json()[
        "auto_submitted"
    ]
    body = (
        await api.client.get(
            f"/v1/exams/{exam_id}/roster", headers=api.token("proctor-1", "proctor")
        )
    ).json()
    assert [(r["student_id"], r["state"]) for r in body["rows"]] == [
        ("s1", "submitted"),
        ("s2", "auto_submitted"),
    ]


async def test_receipt_digest_matches_the_stored_answers_and_repeats_unchanged(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    await api.save(exam_id, "tf", 1, True)
    await api.save(exam_id, "short", 1, "Zanzíbar")
    first = await api.submit(exam_id, "key-1")
    assert first.status_code == 202, first.text
    receipt = first.json()
    stored = await get_submission(api.redis, exam_id, receipt["submission_id"])
    assert receipt["answers_digest"] == answers_digest(stored.answers)
    assert receipt["answer_count"] == 2
    again = (await api.submit(exam_id, "key-1")).json()
    assert again["duplicate"] is True
    assert again["answers_digest"] == receipt["answers_digest"]
    mine = await api.client.get(f"/v1/exams/{exam_id}/attempt/submission", headers=api.token("s1"))
    assert mine.status_code == 200
    assert mine.json()["answers"] == {"tf": True, "short": "Zanzíbar"}
    assert mine.json()["answers_digest"] == receipt["answers_digest"]


async def test_my_submission_is_404_before_submit_and_never_anothers(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id, "s1")
    await api.submit(exam_id, "k", "s1")
    await api.start(exam_id, "s2")
    before = await api.client.get(
        f"/v1/exams/{exam_id}/attempt/submission", headers=api.token("s2")
    )
    assert before.status_code == 404
    assert before.json()["code"] == "not_found"


async def test_grading_decision_is_read_only_and_follows_the_reader_rules(api: Api) -> None:
    proctor = api.token("proctor-1", "proctor")
    missing = (await api.client.get("/v1/grading/decision", headers=proctor)).json()
    assert missing["present"] is False
    assert missing["effective_mode"] == "cluster"
    record = DecisionRecord(
        queue="grading",
        policy="exams/default",
        generation=7,
        mode="overflow",
        max_lambda_concurrency=8,
        batch_size=4,
        function="exam-grader",
        reasons=("utilization 0.83 >= 0.70 for 2s",),
        utilization=0.83,
        issued_at=api.clock.now,
        valid_until=api.clock.now + timedelta(seconds=10),
    )
    assert await publish_decision(api.redis, record, now=api.clock.now)
    live = (await api.client.get("/v1/grading/decision", headers=proctor)).json()
    assert live["effective_mode"] == "overflow"
    assert live["reasons"] == ["utilization 0.83 >= 0.70 for 2s"]
    assert live["generation"] == 7
    assert live["expired"] is False
    api.clock.advance(seconds=11)
    expired = (await api.client.get("/v1/grading/decision", headers=proctor)).json()
    assert expired["expired"] is True
    assert expired["effective_mode"] == "cluster"
    other = (await api.client.get("/v1/grading/decision?queue=other", headers=proctor)).json()
    assert other["present"] is False
    assert other["queue"] == "other"


async def test_monitor_counts_results_by_who_graded_them(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id)
    for qid, answer in CORRECT.items():
        await api.save(exam_id, qid, 1, answer)
    await api.submit(exam_id)
    assert await grade_pending(api) == 1
    monitor = await api.client.get(
        f"/v1/exams/{exam_id}/monitor", headers=api.token("proctor-1", "proctor")
    )
    body = monitor.json()
    assert (body["graded"], body["graded_on_cluster"], body["graded_on_lambda"]) == (1, 1, 0)


async def test_cors_allows_only_the_configured_origin_and_exposes_retry_after(
    api_factory,
) -> None:
    api = api_factory(cors_origins=["http://pages.test"])
    preflight = await api.client.options(
        "/v1/students/me/exams",
        headers={
            "Origin": "http://pages.test",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://pages.test"
    denied = await api.client.get("/v1/students/me/exams", headers={"Origin": "http://pages.test"})
    assert denied.status_code == 401  # a refusal still carries CORS headers for the page
    assert denied.headers["access-control-allow-origin"] == "http://pages.test"
    assert "retry-after" in denied.headers["access-control-expose-headers"].lower()
    foreign = await api.client.get("/healthz", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in foreign.headers
