"""No answer key reaches a student: walk every student route's JSON (and their errors and
events) for key strings, fractions, feedback before release and grader information.

The planted-key test puts a distinctive marker into every key field of every question type
(patterns, numerical values, formula, grader info, hidden code tests; authored feedback, which
may show only after release) and scans every student-visible body: each student route of the
API (``/v1/students/me/exams``, the attempt, questions, the stored submission, the receipt, the
result before and after release), their errors, ``/v1/grading/decision`` (403 for students)
and every event of the student's SSE stream as the real notifications service sends it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from assessment_engine.authoring.bank import dump_bank
from assessment_engine.grading.models import (
    Choice,
    ClozeBlank,
    ClozeQuestion,
    CodeQuestion,
    CodeTestCase,
    DescriptionQuestion,
    EssayQuestion,
    FormulaQuestion,
    MatchingQuestion,
    MatchPair,
    MultipleChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    OrderingQuestion,
    ShortAnswerQuestion,
    TextAnswer,
    TrueFalseQuestion,
    Unit,
    VariableRange,
)
from assessment_engine.storage import keys
from assessment_engine.storage.events import read_events
from exam_stack.localstack.ports import free_port
from platform_services.identity.verify import JwksKeySource, TokenVerifier
from platform_services.notifications.app import create_app as create_notifications
from platform_services.notifications.settings import NotifySettings
from platform_services.notifications.views import stream_key
from tests.integration.api.conftest import Api
from tests.integration.api.test_end_to_end import grade_pending
from tests.integration.platform.sse import sse_events

JSON_BANK = json.dumps(
    [
        {
            "type": "multichoice",
            "id": "mc",
            "text": "Pick the prime.",
            "single": True,
            "general_feedback": "generalfeedbackmarker",
            "choices": [
                {"text": "Seven", "fraction": 1.0, "feedback": "choicefeedbackmarker"},
                {"text": "Eight", "fraction": 0.0, "feedback": "wrongfeedbackmarker"},
            ],
        },
        {
            "type": "shortanswer",
            "id": "sa",
            "text": "Secret word?",
            "answers": [
                {"pattern": "zanzibarkey", "fraction": 1.0, "feedback": "safeedbackmarker"}
            ],
        },
        {
            "type": "truefalse",
            "id": "tf",
            "text": "Water is wet.",
            "answer": True,
            "feedback_if_right": "tfrightmarker",
            "feedback_if_wrong": "tfwrongmarker",
        },
        {
            "type": "numerical",
            "id": "nu",
            "text": "Pi to two places?",
            "answers": [{"value": 3.14159, "tolerance": 0.01, "fraction": 1.0}],
        },
        {"type": "essay", "id": "es", "text": "Discuss.", "grader_info": "graderinfomarker"},
        {
            "type": "ordering",
            "id": "or",
            "text": "Order them.",
            "items": ["orderalpha", "orderbeta", "ordergamma"],
        },
        {
            "type": "matching",
            "id": "ma",
            "text": "Match.",
            "pairs": [{"left": "Cat", "right": "matchmeow"}, {"left": "Dog", "right": "matchwoof"}],
        },
    ]
)
SECRETS = [
    "zanzibarkey",
    "generalfeedbackmarker",
    "choicefeedbackmarker",
    "wrongfeedbackmarker",
    "safeedbackmarker",
    "tfrightmarker",
    "tfwrongmarker",
    "3.14159",
    "graderinfomarker",
]
FORBIDDEN_KEYS = {
    "fraction",
    "answers",
    "grader_info",
    "general_feedback",
    "pairs",
    "pattern",
    "feedback_if_right",
    "feedback_if_wrong",
    "expected",
    "tests",
    "parts",
}


def walk(value: Any, path: str = "$") -> list[str]:
    """Every forbidden key or secret string in a JSON document, with its path."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FORBIDDEN_KEYS:
                found.append(f"{path}.{key}")
            found.extend(walk(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(walk(item, f"{path}[{i}]"))
    elif isinstance(value, str):
        found.extend(f"{path}={value!r}" for s in SECRETS if s in value)
    elif isinstance(value, bool) and path.endswith(".answer") and "saved_answers" not in path:
        found.append(path)
    return found


async def student_documents(api: Api, exam_id: str) -> list[tuple[str, Any]]:
    student = api.token("s1")
    base = f"/v1/exams/{exam_id}"
    documents = []
    for method, url in [
        ("GET", f"{base}/overview"),
        ("POST", f"{base}/attempt"),
        ("GET", f"{base}/attempt"),
        ("GET", f"{base}/attempt/questions"),
        ("GET", f"{base}/attempt/result"),
    ]:
        response = await api.client.request(method, url, headers=student)
        documents.append((f"{method} {url} {response.status_code}", response.json()))
    return documents


async def test_no_student_response_error_or_event_carries_key_material(api: Api) -> None:
    exam_id = (await api.create_exam(bank=JSON_BANK, format="json", release_policy="immediately"))[
        "exam_id"
    ]
    documents = await student_documents(api, exam_id)
    questions = next(d for name, d in documents if "questions" in name)
    assert len(questions["questions"]) == 7
    ordering = next(q for q in questions["questions"] if q["id"] == "or")
    assert ordering["items"] != ["orderalpha", "orderbeta", "ordergamma"]

    answers = {
        "mc": ["Eight"],
        "sa": "wrong",
        "tf": False,
        "nu": 3.0,
        "es": "text",
        "or": ["ordergamma", "orderbeta", "orderalpha"],
        "ma": {"Cat": "matchwoof"},
    }
    for seq, (qid, answer) in enumerate(answers.items(), start=1):
        saved = await api.save(exam_id, qid, seq, answer)
        documents.append((f"save {qid}", saved.json()))
    documents.append(("stale", (await api.save(exam_id, "mc", 1, ["Seven"])).json()))
    documents.append(("bad question", (await api.save(exam_id, "zz", 1, 1)).json()))
    documents.append(("submit", (await api.submit(exam_id)).json()))
    documents.append(("after submit", (await api.save(exam_id, "mc", 99, ["Seven"])).json()))
    await grade_pending(api)
    documents.extend(await student_documents(api, exam_id))
    result = documents[-1][1]
    assert result["status"] == "graded"
    assert result["feedback_released"] is False

    events = [e.model_dump(mode="json") for e in await read_events(api.redis, count=1000)]
    student_events = [e for e in events if e["data"].get("student_id") == "s1"]
    assert student_events
    documents.extend(("event " + e["type"], e) for e in student_events)

    leaks = {name: walk(doc) for name, doc in documents}
    assert {name: found for name, found in leaks.items() if found} == {}


async def test_feedback_appears_only_after_release_and_never_carries_keys(api: Api) -> None:
    exam_id = (await api.create_exam(bank=JSON_BANK, format="json", release_policy="manual"))[
        "exam_id"
    ]
    await api.start(exam_id)
    await api.save(exam_id, "mc", 1, ["Eight"])
    await api.submit(exam_id)
    await grade_pending(api)
    hidden = (
        await api.client.get(f"/v1/exams/{exam_id}/attempt/result", headers=api.token("s1"))
    ).json()
    assert hidden["released"] is False
    assert hidden["questions"] == []
    assert hidden["total"] is None
    api.clock.advance(minutes=5)
    released = await api.client.post(
        f"/v1/exams/{exam_id}/release",
        json={"reason": "marked"},
        headers=api.token("proctor-1", "proctor"),
    )
    assert released.status_code == 200
    shown = (
        await api.client.get(f"/v1/exams/{exam_id}/attempt/result", headers=api.token("s1"))
    ).json()
    assert shown["released"] is True
    assert shown["feedback_released"] is True
    mc = next(q for q in shown["questions"] if q["question_id"] == "mc")
    assert mc["score"] == 0.0
    assert mc["feedback"] is not None


QTI_SECRETS = [
    "qtisecretanswer",
    "qtisecretalt",
    "qtifeedbackmarker",
    "qtirubricmarker",
    "qtimodalmarker",
]
QTI_BANK = f"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="qti-te"
    title="Secret word" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">
    <correctResponse><value>{QTI_SECRETS[0]}</value></correctResponse>
    <mapping defaultValue="0">
      <mapEntry mapKey="{QTI_SECRETS[0]}" mappedValue="2"/>
      <mapEntry mapKey="{QTI_SECRETS[1]}" mappedValue="1"/>
    </mapping>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>
  <itemBody>
    <rubricBlock view="scorer"><p>{QTI_SECRETS[3]}</p></rubricBlock>
    <p>The word is <textEntryInteraction responseIdentifier="RESPONSE"/>.
      <feedbackInline outcomeIdentifier="FEEDBACK" identifier="ok" showHide="show">
        {QTI_SECRETS[2]}</feedbackInline></p>
  </itemBody>
  <responseProcessing
    template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>
  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="ok" showHide="show">
    {QTI_SECRETS[4]}</modalFeedback>
</assessmentItem>"""


async def test_qti_items_reach_students_without_key_material(api: Api) -> None:
    exam_id = (await api.create_exam(bank=QTI_BANK, format="qti", release_policy="immediately"))[
        "exam_id"
    ]
    documents = await student_documents(api, exam_id)
    questions = next(d for name, d in documents if "questions" in name)
    (question,) = questions["questions"]
    assert question["type"] == "qti"
    assert question["interactions"][0]["kind"] == "textEntry"
    documents.append(("save", (await api.save(exam_id, "qti-te", 1, {"RESPONSE": "wrong"})).json()))
    documents.append(("submit", (await api.submit(exam_id)).json()))
    await grade_pending(api)
    documents.extend(await student_documents(api, exam_id))
    assert documents[-1][1]["status"] == "graded"
    dumped = {name: json.dumps(doc) for name, doc in documents}
    leaks = {
        name: [s for s in [*QTI_SECRETS, "scoring_xml", "correctResponse", "mapEntry"] if s in text]
        for name, text in dumped.items()
    }
    assert {name: found for name, found in leaks.items() if found} == {}


# --- planted keys: every key field of every question type carries a marker ------------------
KEY_MARKERS = {
    "sa pattern": "qzkeyleak-sa-pattern",
    "cloze pattern": "qzkeyleak-cloze-pattern",
    "numerical value": "7777.4242",
    "cloze value": "6666.1313",
    "formula expected": "9191.37",
    "grader info": "qzkeyleak-grader-info",
    "hidden test name": "qzkeyleak-hidden-name",
    "hidden test stdin": "qzkeyleak-hidden-stdin",
    "hidden test stdout": "qzkeyleak-hidden-stdout",
    "hidden test call": "qzkeyleak_hidden_call",
}
"""Never shown to a student, released or not."""
FEEDBACK_MARKERS = {
    "general feedback": "qzkeyleak-general",
    "choice feedback": "qzkeyleak-choice-feedback",
    "wrong choice feedback": "qzkeyleak-wrong-feedback",
    "true/false right": "qzkeyleak-tf-right",
    "true/false wrong": "qzkeyleak-tf-wrong",
    "short answer feedback": "qzkeyleak-sa-feedback",
    "numerical feedback": "qzkeyleak-num-feedback",
    "cloze feedback": "qzkeyleak-cloze-feedback",
}
"""Authored feedback: a student sees it only once results (with feedback) are released."""
PLANTED_ANSWERS = {
    "p-mc": ["Eight"],
    "p-tf": False,
    "p-sa": "wrong",
    "p-nu": 1.0,
    "p-ma": {"Cat": "matchwoof", "Dog": "matchmeow"},
    "p-or": ["ordergamma", "orderbeta", "orderalpha"],
    "p-cz": {"1": "wrong", "2": "1", "3": "Eight"},
    "p-fo": "x*2",
    "p-es": "An essay.",
    "p-co": "print(0)\n",
}


def planted_bank() -> str:
    """One question of every type the engine grades, its key fields holding the markers."""
    k, f = KEY_MARKERS, FEEDBACK_MARKERS
    general = {"general_feedback": f["general feedback"]}
    choices = (
        Choice(text="Seven", fraction=1.0, feedback=f["choice feedback"]),
        Choice(text="Eight", fraction=0.0, feedback=f["wrong choice feedback"]),
    )
    questions = [
        MultipleChoiceQuestion(id="p-mc", text="Pick.", single=True, choices=choices, **general),
        TrueFalseQuestion(
            id="p-tf",
            text="True?",
            answer=True,
            feedback_if_right=f["true/false right"],
            feedback_if_wrong=f["true/false wrong"],
            **general,
        ),
        ShortAnswerQuestion(
            id="p-sa",
            text="Word?",
            answers=(
                TextAnswer(
                    pattern=k["sa pattern"], fraction=1.0, feedback=f["short answer feedback"]
                ),
            ),
            **general,
        ),
        NumericalQuestion(
            id="p-nu",
            text="Number?",
            answers=(
                NumericalAnswer(
                    value=float(k["numerical value"]),
                    fraction=1.0,
                    feedback=f["numerical feedback"],
                ),
            ),
            units=(Unit(name="m"),),
            unit_handling="optional",
            **general,
        ),
        MatchingQuestion(
            id="p-ma",
            text="Match.",
            pairs=(
                MatchPair(left="Cat", right="matchmeow"),
                MatchPair(left="Dog", right="matchwoof"),
            ),
            **general,
        ),
        OrderingQuestion(
            id="p-or", text="Order.", items=("orderalpha", "orderbeta", "ordergamma"), **general
        ),
        ClozeQuestion(
            id="p-cz",
            text="A {#1}, b {#2}, c {#3}.",
            blanks=(
                ClozeBlank(
                    question=ShortAnswerQuestion(
                        id="c1",
                        text="",
                        answers=(
                            TextAnswer(
                                pattern=k["cloze pattern"],
                                fraction=1.0,
                                feedback=f["cloze feedback"],
                            ),
                        ),
                    )
                ),
                ClozeBlank(
                    question=NumericalQuestion(
                        id="c2",
                        text="",
                        answers=(NumericalAnswer(value=float(k["cloze value"]), fraction=1.0),),
                    )
                ),
                ClozeBlank(
                    question=MultipleChoiceQuestion(id="c3", text="", single=True, choices=choices)
                ),
            ),
            **general,
        ),
        FormulaQuestion(
            id="p-fo",
            text="Formula?",
            expected=f"x*{k['formula expected']}",
            variables={"x": VariableRange(low=1, high=2)},
            **general,
        ),
        EssayQuestion(id="p-es", text="Discuss.", grader_info=k["grader info"], **general),
        DescriptionQuestion(id="p-de", text="Read this first.", **general),
        CodeQuestion(
            id="p-co",
            text="Print the answer.",
            tests=(
                CodeTestCase(name="visible", stdin="1\n", expected_stdout="1"),
                CodeTestCase(
                    name=k["hidden test name"],
                    stdin=k["hidden test stdin"],
                    expected_stdout=k["hidden test stdout"],
                    hidden=True,
                ),
                CodeTestCase(
                    name="hidden call",
                    call=f"{k['hidden test call']}(2)",
                    expected_value=4,
                    hidden=True,
                ),
            ),
            **general,
        ),
    ]
    return dump_bank(questions)


def leaks(document: Any, markers: dict[str, str]) -> list[str]:
    """Every marker found anywhere in the document's JSON text, by name."""
    text = json.dumps(document, ensure_ascii=False) if not isinstance(document, str) else document
    return [name for name, marker in markers.items() if marker in text]


@dataclass
class Notifications:
    """The real notifications service, served by uvicorn in this test's event loop on the test's
    Redis, verifying the API's dev-issuer tokens through the API's own JWKS route."""

    url: str


@pytest.fixture
async def notifications(api: Api) -> AsyncIterator[Notifications]:
    dev = api.app.state.verifier.dev
    jwks = JwksKeySource(
        "http://api.test/v1/dev/jwks.json", client=api.client, min_refetch_seconds=0
    )
    verifier = TokenVerifier(jwks, issuer=dev.issuer, audience=dev.audience)
    settings = NotifySettings(tail_block_ms=100, backlog_interval_seconds=0.5)
    app = create_notifications(settings, api.redis, verifier)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    yield Notifications(f"http://127.0.0.1:{port}")
    server.should_exit = True
    await task


async def student_stream_events(
    notifications: Notifications, token: dict[str, str], exam_id: str, after: str, last: str
) -> list[tuple[str, str]]:
    """Every event the student's exam stream replays after stream id ``after`` up to ``last``
    (and its opening ``connection`` event), as (event type, raw data) pairs."""
    got: list[tuple[str, str]] = []
    headers = {**token, "Last-Event-ID": after}
    path = f"/v1/students/me/stream?exam_id={exam_id}"
    async with (
        asyncio.timeout(30),
        httpx.AsyncClient(base_url=notifications.url, timeout=30) as client,
        client.stream("GET", path, headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        async for event in sse_events(response.aiter_lines()):
            if event.event == "comment":
                continue
            got.append((event.event, event.data))
            if event.id is not None and stream_key(event.id) >= stream_key(last):
                break
    return got


async def newest_event_id(api: Api) -> str:
    newest: Any = await api.redis.xrevrange(keys.DOMAIN_EVENTS, count=1)
    return newest[0][0].decode() if newest else "0-0"


async def test_planted_keys_reach_no_student_response_error_or_stream_event(
    api: Api, notifications: Notifications
) -> None:
    bank = planted_bank()
    planted = {**KEY_MARKERS, **FEEDBACK_MARKERS}
    assert sorted(leaks(bank, planted)) == sorted(planted), "every marker is in the bank"
    before = await newest_event_id(api)
    exam_id = (await api.create_exam(bank=bank, format="json", release_policy="manual"))["exam_id"]
    stored = await api.redis.get(keys.questions(exam_id, 1))
    assert sorted(leaks(stored.decode(), planted)) == sorted(planted), "planted in the store"

    s1, s2 = api.token("s1"), api.token("s2")
    base = f"/v1/exams/{exam_id}"
    seen: list[tuple[str, Any]] = []

    async def call(method: str, url: str, token: dict[str, str], **kw: Any) -> httpx.Response:
        response = await api.client.request(
            method, url, headers={**token, **kw.pop("headers", {})}, **kw
        )
        body = response.json() if response.content else None
        seen.append((f"{method} {url} {response.status_code}", body))
        return response

    async def student_views(token: dict[str, str]) -> None:
        await call("GET", "/v1/students/me/exams", token)
        await call("GET", f"{base}/overview", token)
        await call("GET", f"{base}/attempt", token)
        await call("GET", f"{base}/attempt/questions", token)
        await call("GET", f"{base}/attempt/submission", token)
        await call("GET", f"{base}/attempt/result", token)

    await student_views(s2)  # on the roster, not started: 404s and lists
    assert (await call("POST", f"{base}/attempt", s1)).status_code == 201
    await student_views(s1)
    questions = next(body for name, body in seen if "questions 200" in name)
    assert {q["id"] for q in questions["questions"]} == {*PLANTED_ANSWERS, "p-de"}
    for seq, (qid, answer) in enumerate(PLANTED_ANSWERS.items(), start=1):
        assert (
            await call(
                "PUT", f"{base}/attempt/answers/{qid}", s1, json={"seq": seq, "answer": answer}
            )
        ).status_code == 200
    await call("PUT", f"{base}/attempt/answers/p-mc", s1, json={"seq": 1, "answer": ["Seven"]})
    await call("PUT", f"{base}/attempt/answers/nope", s1, json={"seq": 99, "answer": 1})
    await call("PUT", f"{base}/attempt/answers/p-nu", s1, json={"seq": 99, "answer": {"x": []}})
    for forbidden in ("", "/roster", "/monitor", "/results.csv", "/audit"):
        assert (await call("GET", f"{base}{forbidden}", s1)).status_code == 403
    decision = await call("GET", "/v1/grading/decision", s1)
    assert decision.status_code == 403, "the decision record is for proctors"
    receipt = await call("POST", f"{base}/attempt/submit", s1, headers={"Idempotency-Key": "k1"})
    assert receipt.status_code == 202
    assert {"answers_digest", "answer_count", "received_at"} <= set(receipt.json())
    again = await call("POST", f"{base}/attempt/submit", s1, headers={"Idempotency-Key": "k1"})
    assert again.json()["duplicate"] is True
    await call("POST", f"{base}/attempt/submit", s1, headers={"Idempotency-Key": "k2"})
    await call("PUT", f"{base}/attempt/answers/p-mc", s1, json={"seq": 100, "answer": ["Seven"]})
    assert await grade_pending(api) == 1
    await student_views(s1)
    submission = next(body for name, body in seen if "submission 200" in name)
    # The odd-shaped numerical answer was stored as sent (graded as wrong, not refused).
    assert submission["answers"] == {**PLANTED_ANSWERS, "p-nu": {"x": []}}

    before_release = list(seen)
    api.clock.advance(minutes=5)
    released = await api.client.post(
        f"{base}/release", json={"reason": "marked"}, headers=api.token("proctor-1", "proctor")
    )
    assert released.status_code == 200
    await student_views(s1)
    await student_views(s2)
    result = next(
        body for name, body in reversed(seen) if "result 200" in name and body["questions"]
    )
    assert result["feedback_released"] is True
    # The scan can see planted text: released feedback is authored text and does show.
    assert set(leaks(result, FEEDBACK_MARKERS)) >= {
        "general feedback",
        "wrong choice feedback",
        "true/false wrong",
    }

    last = await newest_event_id(api)
    events = await student_stream_events(notifications, s1, exam_id, before, last)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "connection"
    assert {
        "attempt.started",
        "submission.accepted",
        "attempt.submitted",
        "results.released",
    } <= set(kinds)
    assert "submission.graded" not in kinds, "scores reach students through the API only"

    found: list[tuple[str, list[str]]] = []
    for name, body in seen:
        found.append((name, leaks(body, KEY_MARKERS)))
        if isinstance(body, dict) and "submission 200" in name:
            body = {k: v for k, v in body.items() if k != "answers"}  # the student's own, above
        found.append((name, walk(body)))
    found += [(name, leaks(body, FEEDBACK_MARKERS)) for name, body in before_release]
    found += [
        (f"sse {kind}", leaks(data, planted) + walk(json.loads(data))) for kind, data in events
    ]
    assert [(name, hits) for name, hits in found if hits] == []
