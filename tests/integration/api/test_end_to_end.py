"""The main path through the API: create → start → questions → autosave → submit → result."""

from __future__ import annotations

import csv
import io

from assessment_engine.grading.submission import grade_submission
from assessment_engine.storage.queue import GradingQueue
from tests.integration.api.conftest import CORRECT, Api


async def grade_pending(api: Api) -> int:
    """Act as a grader worker: claim every job, grade it purely, complete it."""
    queue = GradingQueue(api.redis, lease_ms=60_000)
    done = 0
    while jobs := await queue.claim("test-worker", count=10, block_ms=10):
        for job in jobs:
            work = await queue.load_work(job)
            grade = grade_submission(work.questions, work.answers, work.question_ids)
            await queue.complete(job, work, grade, "cluster", "test-worker")
            done += 1
    return done


async def test_a_student_takes_an_exam_end_to_end(api: Api) -> None:
    exam = await api.create_exam()
    exam_id = exam["exam_id"]
    assert exam["question_count"] == 4
    assert exam["display"]["values"]["opens_at"] == "2026-03-29T01:00:00+01:00"

    api.clock.advance(minutes=5)
    started = await api.start(exam_id)
    assert started.status_code == 201, started.text
    assert started.json()["deadline"] == "2026-03-29T01:05:00Z"

    questions = await api.client.get(
        f"/v1/exams/{exam_id}/attempt/questions", headers=api.token("s1")
    )
    assert questions.status_code == 200
    ids = [q["id"] for q in questions.json()["questions"]]
    assert sorted(ids) == ["capital", "num", "short", "tf"]

    for seq, qid in enumerate(ids, start=1):
        saved = await api.save(exam_id, qid, seq, CORRECT[qid])
        assert saved.status_code == 200, saved.text

    api.clock.advance(minutes=20)
    receipt = await api.submit(exam_id)
    assert receipt.status_code == 202, receipt.text
    body = receipt.json()
    assert body["late"] is False
    assert body["duplicate"] is False

    pending = await api.client.get(f"/v1/exams/{exam_id}/attempt/result", headers=api.token("s1"))
    assert pending.json()["status"] == "grading"

    assert await grade_pending(api) == 1
    result = await api.client.get(f"/v1/exams/{exam_id}/attempt/result", headers=api.token("s1"))
    assert result.status_code == 200
    graded = result.json()
    assert graded["status"] == "graded"
    assert graded["total"] == graded["max_total"] == 4
    assert graded["feedback_released"] is False
    assert all(q["feedback"] is None for q in graded["questions"])

    monitor = await api.client.get(
        f"/v1/exams/{exam_id}/monitor", headers=api.token("proctor-1", "proctor")
    )
    counts = monitor.json()
    assert (counts["started"], counts["submitted"], counts["graded"]) == (1, 1, 1)
    assert counts["grading_backlog"] == 0

    export = await api.client.get(
        f"/v1/exams/{exam_id}/results.csv", headers=api.token("proctor-1", "proctor")
    )
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows[0]["student_id"] == "s1"
    assert float(rows[0]["total"]) == 4
    assert rows[0]["capital"] == "1.0"


async def test_monitor_shows_backlog_until_graded(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    for student in ("s1", "s2"):
        assert (await api.start(exam_id, student)).status_code == 201
        assert (await api.submit(exam_id, student=student)).status_code == 202
    assert (await api.start(exam_id, "s3")).status_code == 201
    api.clock.advance(seconds=1)
    monitor = await api.client.get(
        f"/v1/exams/{exam_id}/monitor", headers=api.token("proctor-1", "proctor")
    )
    counts = monitor.json()
    assert (counts["started"], counts["in_progress"], counts["submitted"]) == (3, 1, 2)
    assert counts["grading_backlog"] == 2
    assert counts["graded"] == 0
    assert await grade_pending(api) == 2
    monitor = await api.client.get(
        f"/v1/exams/{exam_id}/monitor", headers=api.token("proctor-1", "proctor")
    )
    assert monitor.json()["graded"] == 2
    assert monitor.json()["grading_backlog"] == 0
