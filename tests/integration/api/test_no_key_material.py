"""No answer key reaches a student: walk every student route's JSON (and their errors and
events) for key strings, fractions, feedback before release and grader information."""

from __future__ import annotations

import json
from typing import Any

from assessment_engine.storage.events import read_events
from tests.integration.api.conftest import Api
from tests.integration.api.test_end_to_end import grade_pending

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
