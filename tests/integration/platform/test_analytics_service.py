"""Analytics end to end on real Redis: graded events -> first-attempt matrix -> report on close.

The events carry the worked example of ``tests/unit/platform/worked_example.py``; the report
served over HTTP must show the hand-computed values.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from contextlib import asynccontextmanager

import httpx
import pytest

from assessment_engine.storage import keys
from assessment_engine.storage.events import publish_event
from platform_services.analytics.app import create_app
from platform_services.analytics.settings import AnalyticsSettings
from tests.unit.platform.worked_example import I1_RESPONSES, MATRIX

from .conftest import create_exam, user_id

EXAM = "exam-analytics-1"


def graded(student, scores, attempt=None, key_version=1, responses=None):
    questions = [
        {
            "question_id": f"i{j + 1}",
            "type": "multichoice" if j == 0 else "shortanswer",
            "score": float(score),
            "max_score": 1.0,
            "status": "graded",
            "response": (responses or I1_RESPONSES).get(student) if j == 0 else "text",
        }
        for j, score in enumerate(scores)
    ]
    return {
        "submission_id": f"sub-{student}-{key_version}",
        "attempt_id": attempt or f"a-{student}",
        "student_id": student,
        "key_version": key_version,
        "total": float(sum(scores)),
        "max_total": 4.0,
        "graded_by": "cluster",
        "questions": questions,
    }


@asynccontextmanager
async def running_analytics(redis, verifier, **overrides):
    settings = AnalyticsSettings(read_block_ms=50, consumer_name="test", **overrides)
    app = create_app(settings, redis, verifier)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as client:
            yield client


@pytest.fixture
async def analytics(redis_client, jwks_verifier):
    async with running_analytics(redis_client, jwks_verifier) as client:
        yield client


async def _wait_for(client, path, headers, within=10.0):
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await client.get(path, headers=headers)
        if response.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.05)


async def test_closed_exam_gets_the_worked_example_report_csv_and_plots(
    identity, analytics, redis_client
):
    proctor = await identity.proctor("uni-a")
    await create_exam(redis_client, EXAM, await user_id(identity, proctor))
    # s6 was first graded against a wrong key (v1), then regraded (v2): v2 counts
    await publish_event(redis_client, "submission.graded", EXAM, graded("s6", [1, 1, 1, 1]))
    for student, scores in MATRIX:
        data = graded(student, scores, key_version=2 if student == "s6" else 1)
        await publish_event(redis_client, "submission.graded", EXAM, data)
    # noise that must not count: a second attempt, a stale key version, a redelivery
    await publish_event(
        redis_client, "submission.graded", EXAM, graded("s1", [0, 0, 0, 0], attempt="a-s1-second")
    )
    await publish_event(
        redis_client, "submission.graded", EXAM, graded("s6", [1, 1, 1, 1], key_version=1)
    )
    await publish_event(redis_client, "submission.graded", EXAM, graded("s2", MATRIX[1][1]))
    await publish_event(redis_client, "exam.closed", EXAM, {"closed_at": "now"})

    base = f"/v1/exams/{EXAM}/analysis"
    response = await _wait_for(analytics, base, proctor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["test"]["students"] == 6
    assert report["test"]["cronbach_alpha"] == pytest.approx(2 / 3)
    assert report["test"]["standard_error"] == pytest.approx(math.sqrt(2 / 3))
    items = {item["question_id"]: item for item in report["items"]}
    assert items["i1"]["discrimination_index"] == pytest.approx(62.5)
    assert items["i2"]["discriminative_efficiency"] == pytest.approx(25.0)
    assert items["i4"]["flags"] == ["too_hard"]
    assert {row["option"] for row in items["i1"]["distractors"]} == {"A", "B", "C"}

    exported = await analytics.get(base + ".csv", headers=proctor)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["question_id"] for r in rows if r["row_kind"] == "item"] == ["i1", "i2", "i3", "i4"]
    assert float(rows[0]["discrimination_index"]) == pytest.approx(62.5)
    assert [r["option"] for r in rows if r["row_kind"] == "option"] == ["A", "B", "C"]

    for plot in ("score-histogram.png", "facility-discrimination.png"):
        png = await analytics.get(f"{base}/{plot}", headers=proctor)
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png.content) > 5000

    metrics = (await analytics.get("/metrics")).text
    assert 'analytics_reports_total{trigger="exam.closed"} 1.0' in metrics
    assert 'analytics_events_total{outcome="ignored",type="submission.graded"}' in metrics


async def test_on_demand_analysis_and_access_rules(identity, analytics, redis_client):
    owner = await identity.proctor("uni-a")
    other = await identity.proctor("uni-a", username="other-proctor")
    await create_exam(redis_client, EXAM, await user_id(identity, owner))
    base = f"/v1/exams/{EXAM}/analysis"

    assert (await analytics.post(base, headers=owner)).json()["error"] == "exam_not_found"
    assert (await analytics.get(base, headers=owner)).json()["error"] == "report_not_found"
    for student, scores in MATRIX:
        await publish_event(redis_client, "submission.graded", EXAM, graded(student, scores))
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        computed = await analytics.post(base, headers=owner)
        if computed.status_code == 200 and computed.json()["test"]["students"] == 6:
            break
        assert asyncio.get_running_loop().time() < deadline, computed.text
        await asyncio.sleep(0.05)
    assert computed.json()["test"]["cic"] == pytest.approx(200 / 3)

    assert (await analytics.get(base, headers=other)).status_code == 403
    assert (await analytics.get(base, headers=await identity.admin())).status_code == 200
    assert (await analytics.get(base)).status_code == 401
    unknown = await analytics.get("/v1/exams/nope/analysis", headers=owner)
    assert unknown.status_code == 404


async def test_events_left_pending_by_a_vanished_consumer_are_taken_over(
    identity, redis_client, jwks_verifier
):
    proctor = await identity.proctor("uni-a")
    await create_exam(redis_client, EXAM, await user_id(identity, proctor))
    await redis_client.xgroup_create(keys.DOMAIN_EVENTS, "analytics", id="0", mkstream=True)
    for student, scores in MATRIX:
        await publish_event(redis_client, "submission.graded", EXAM, graded(student, scores))
    await publish_event(redis_client, "exam.closed", EXAM, {})
    # a replica that read everything and died before acknowledging
    taken = await redis_client.xreadgroup("analytics", "ghost", {keys.DOMAIN_EVENTS: ">"})
    assert len(taken[0][1]) == 7

    async with running_analytics(redis_client, jwks_verifier, claim_idle_ms=200) as client:
        response = await _wait_for(client, f"/v1/exams/{EXAM}/analysis", proctor)
    assert response.status_code == 200, response.text
    assert response.json()["test"]["students"] == 6
    pending = await redis_client.xpending(keys.DOMAIN_EVENTS, "analytics")
    assert pending["pending"] == 0
