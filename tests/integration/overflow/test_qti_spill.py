"""QTI items graded by the interpreter give identical grades in Lambda and on a worker: real
Redis, the dispatcher spilling to the local Lambda service (real awslambdaric environments
running the built function package, templates included), a real grader worker, and the
in-process grader as the reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import SubmissionGrade, grade_submission
from assessment_engine.storage.results import list_results

from .conftest import (
    decision,
    dispatcher_settings,
    publish,
    running_dispatcher,
    running_worker,
    sample,
    seed,
    wait_until,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qti"
ITEMS = [
    "qti-sdk/choice_multiple.xml",  # map_response with bounds
    "qti-sdk/text_entry.xml",  # string mapping
    "qti-sdk/match.xml",  # directed pairs
    "qti-sdk/select_point.xml",  # map_response_point
    "qti-sdk/multi-input.xml",  # four interactions, custom rules
    "qti-sdk/onyx/TextEntrysubset_806481421.xml",  # Onyx export, NULL propagation
    "1edtech-qti3/QUE_102011.xml",  # CC2_map_response in QTI 3
    "qti-sdk/extended_text.xml",  # manual grading
]
QUESTIONS: list[Question] = [q for name in ITEMS for q in parse_qti((FIXTURES / name).read_bytes())]
BY_ID = {q.id: q for q in QUESTIONS}
ANSWER_SETS: list[dict[str, Any]] = [
    {
        "choiceMultiple": {"RESPONSE": ["H", "O"]},
        "textEntry": {"RESPONSE": "York"},
        "match": {"RESPONSE": [["C", "R"], ["D", "M"], ["L", "M"], ["P", "T"]]},
        "selectPoint": {"RESPONSE": [102, 113]},
        "multi-input": {
            "RESPONSE1": "ChoiceA",
            "RESPONSE2": "A2",
            "RESPONSE3": "evil king",
            "RESPONSE4": [["F", "G1"], ["C", "G2"], ["H", "G3"]],
        },
        "TextEntrysubset_806481421": {
            "RESPONSE_1": "Dresden",
            "RESPONSE_2": "Chemnitz",
            "RESPONSE_3": "Leipzig",
        },
        "QUE_102011": {"RESPONSE": "skinner box"},
        "extendedText": {"RESPONSE": "Dear Sam"},
    },
    {
        "choiceMultiple": {"RESPONSE": ["H", "He"]},
        "textEntry": {"RESPONSE": "york"},
        "match": {"RESPONSE": [["D", "M"]]},
        "selectPoint": {"RESPONSE": [119, 113]},
        "multi-input": {"RESPONSE3": "the King"},
        "TextEntrysubset_806481421": {"RESPONSE_1": "dresden", "RESPONSE_2": "DRESDEN"},
        "QUE_102011": {"RESPONSE": "box"},
    },
    {
        "choiceMultiple": {"RESPONSE": "H"},  # wrong shape: invalid, the rest still graded
        "textEntry": {"NOPE": "x"},  # unknown response: invalid
        "match": {"RESPONSE": [["R", "C"]]},  # not a choice of the sets: invalid
        "selectPoint": None,
    },
]
N = len(ANSWER_SETS)


async def results(redis: Any, exam_id: str) -> dict[str, Any]:
    return {r.submission_id: r for r in await list_results(redis, exam_id)}


async def _count(redis: Any, exam_id: str, n: int) -> bool:
    return len(await results(redis, exam_id)) >= n


def in_process() -> list[SubmissionGrade]:
    return [grade_submission(BY_ID, answers, list(BY_ID)) for answers in ANSWER_SETS]


async def test_qti_submissions_grade_identically_in_lambda_on_a_worker_and_in_process(
    redis_client, lambda_stack
) -> None:
    spilled = await seed(redis_client, N, "exam-qti", questions=QUESTIONS, answer_sets=ANSWER_SETS)
    await publish(redis_client, decision(batch_size=3))
    async with running_dispatcher(redis_client, dispatcher_settings(lambda_stack)) as dispatcher:
        await wait_until(lambda: _count(redis_client, "exam-qti", N), within=50)
    on_lambda = await results(redis_client, "exam-qti")
    assert {r.graded_by for r in on_lambda.values()} == {"lambda"}
    assert sample(dispatcher, "overflow_released_total", {"reason": "item_failure"}) == 0

    on_cluster_ids = await seed(
        redis_client,
        N,
        "exam-qti-cluster",
        start=N * 40,
        questions=QUESTIONS,
        answer_sets=ANSWER_SETS,
    )
    async with running_worker(redis_client):
        await wait_until(lambda: _count(redis_client, "exam-qti-cluster", N), within=50)
    on_cluster = await results(redis_client, "exam-qti-cluster")
    assert {r.graded_by for r in on_cluster.values()} == {"cluster"}

    expected = in_process()
    assert [on_lambda[sid].grade for sid in spilled] == expected
    assert [on_cluster[sid].grade for sid in on_cluster_ids] == expected
    # the figures the conformance tests derive from the specification, end to end
    assert [g.score for g in expected[0].grades] == [2, 1, 3, 1, 3.5, 3, 100, 0]
    assert expected[0].needs_manual_grading
    assert [g.score for g in expected[1].grades] == [0, 0.5, 0.5, 0, 0.2, 0, 0, 0]  # R3 NULL
    assert expected[2].invalid == ("choiceMultiple", "textEntry", "match")
