"""Student routes under ``/v1/exams/{exam_id}``: overview, my attempt, questions, autosave,
submit, my stored submission, result. A student only ever reaches their own attempt (the
token's subject).

Responses are built from student views only: no answer keys, fractions, feedback before
release or grader information.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response

from assessment_engine.api.auth import Principal, require_roles
from assessment_engine.api.context import AppContext, get_context
from assessment_engine.api.errors import documented
from assessment_engine.api.schemas import (
    AttemptView,
    AutosaveBody,
    AutosaveResult,
    MySubmission,
    QuestionsView,
    SavedAnswerView,
    StudentExamView,
    StudentResult,
    SubmitBody,
    SubmitReceipt,
)
from assessment_engine.api.services import attempts as service
from assessment_engine.api.services import exams as exam_service
from assessment_engine.api.services.receipts import my_submission, receipt_of
from assessment_engine.api.services.results import student_result
from assessment_engine.api.services.views import attempt_view, student_exam_view

router = APIRouter(prefix="/v1/exams/{exam_id}", tags=["student"])
Student = Annotated[Principal, Depends(require_roles("student"))]
Ctx = Annotated[AppContext, Depends(get_context)]
ExamId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
ERRORS = documented(401, 403, 404, 409, 422, 503)


@router.get("/overview", response_model=StudentExamView, responses=ERRORS)
async def overview(exam_id: ExamId, principal: Student, ctx: Ctx) -> StudentExamView:
    """Title and window of an exam the student is on the roster of."""
    return student_exam_view(await exam_service.student_overview(ctx, principal, exam_id))


@router.post(
    "/attempt",
    response_model=AttemptView,
    status_code=201,
    responses={
        200: {"model": AttemptView, "description": "The attempt already existed."},
        **documented(401, 403, 404, 409, 422, 429, 503),
    },
)
async def start_attempt(
    exam_id: ExamId, principal: Student, ctx: Ctx, response: Response
) -> AttemptView:
    """Start (or re-enter) my attempt; 429 with Retry-After when starts are throttled."""
    started = await service.start(ctx, principal, exam_id)
    if not started.created:
        response.status_code = 200
    return attempt_view(started.exam, started.attempt, ctx.now())


@router.get("/attempt", response_model=AttemptView, responses=ERRORS)
async def my_attempt(exam_id: ExamId, principal: Student, ctx: Ctx) -> AttemptView:
    """My attempt with the server's deadline, remaining time and display-zone times."""
    exam, attempt = await service.load(ctx, exam_id, principal.sub)
    return attempt_view(exam, attempt, ctx.now())


@router.get("/attempt/questions", response_model=QuestionsView, responses=ERRORS)
async def my_questions(exam_id: ExamId, principal: Student, ctx: Ctx) -> QuestionsView:
    """My questions in my order (options shuffled per attempt), and my saved answers."""
    attempt, views, saved = await service.questions(ctx, principal, exam_id)
    return QuestionsView(
        attempt_id=attempt.attempt_id,
        questions=views,
        saved_answers={
            qid: SavedAnswerView(seq=s.seq, answer=s.answer, saved_at=s.saved_at)
            for qid, s in saved.items()
        },
    )


@router.put("/attempt/answers/{question_id}", response_model=AutosaveResult, responses=ERRORS)
async def autosave(
    exam_id: ExamId,
    question_id: Annotated[str, Path(min_length=1, max_length=200)],
    body: AutosaveBody,
    principal: Student,
    ctx: Ctx,
) -> AutosaveResult:
    """Save one answer; a save whose seq is not above the stored one is 409 ``stale_save``."""
    saved = await service.autosave(ctx, principal, exam_id, question_id, body)
    return AutosaveResult(question_id=question_id, seq=saved.seq, saved_at=saved.saved_at)


@router.post("/attempt/submit", response_model=SubmitReceipt, status_code=202, responses=ERRORS)
async def submit(
    exam_id: ExamId,
    principal: Student,
    ctx: Ctx,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
    body: SubmitBody | None = None,
) -> SubmitReceipt:
    """Submit my attempt. 202 only after the submission and its grading job are durable;
    the same Idempotency-Key returns the same receipt (with the stored answers' digest)."""
    done = await service.submit(
        ctx, principal, exam_id, idempotency_key, body.final_answers if body else {}
    )
    return await receipt_of(ctx, exam_id, done)


@router.get("/attempt/submission", response_model=MySubmission, responses=ERRORS)
async def my_stored_submission(exam_id: ExamId, principal: Student, ctx: Ctx) -> MySubmission:
    """My submitted answers as stored, with the receipt fields and digest (404 before submit)."""
    return await my_submission(ctx, principal, exam_id)


@router.get("/attempt/result", response_model=StudentResult, responses=ERRORS)
async def my_result(exam_id: ExamId, principal: Student, ctx: Ctx) -> StudentResult:
    """My scores per question once released (feedback once the exam is over for everyone)."""
    return await student_result(ctx, principal, exam_id)
