"""Attempt services: start (admission control), questions, autosave, submit, auto-submit, results.

Called by the student routes, the proctor attempt actions and the auto-submit sweeper. The
deadline is checked on every access: an attempt whose grace is over is submitted with its last
saved answers (dated at the deadline) before the request is answered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import AutosaveBody
from assessment_engine.exams import lifecycle
from assessment_engine.exams.errors import (
    AlreadySubmittedError,
    AttemptNotActiveError,
    DeadlinePassedError,
    NotFoundError,
    RateLimitedError,
)
from assessment_engine.exams.models import Attempt, Exam
from assessment_engine.exams.selection import new_seed, option_seed
from assessment_engine.exams.timing import final_instant
from assessment_engine.grading.student_view import student_view
from assessment_engine.storage import attempts as store
from assessment_engine.storage.attempts import SavedAnswer
from assessment_engine.storage.events import publish_event
from assessment_engine.storage.models import NewSubmission, Receipt
from assessment_engine.storage.questions import load_questions
from assessment_engine.storage.submissions import find_receipt


@dataclass(frozen=True)
class Submitted:
    """A stored submit; ``answers`` are what this call stored (None for a duplicate)."""

    attempt: Attempt
    receipt: Receipt
    answers: dict[str, Any] | None = None


def _millis(moment: datetime) -> datetime:
    """``moment`` at the millisecond precision receipts carry (RFC 3339, milliseconds)."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def _final_at(ctx: AppContext, exam: Exam, attempt: Attempt) -> datetime:
    return final_instant(lifecycle.deadline_of(exam, attempt, ctx.now()), exam.timing.grace_seconds)


@dataclass(frozen=True)
class Started:
    exam: Exam
    attempt: Attempt
    created: bool


async def start(ctx: AppContext, principal: Principal, exam_id: str) -> Started:
    """The student's attempt: the existing one, or a new one if admitted (``created``)."""
    exam, existing = await store.load_exam_and_attempt(ctx.redis, exam_id, principal.sub)
    if existing is not None:
        return Started(exam, await settle(ctx, exam, existing), False)
    now = ctx.now()
    attempt = lifecycle.start_attempt(exam, principal.sub, uuid.uuid4().hex, new_seed(), now)
    decision = await store.take_admission_token(
        ctx.redis,
        exam_id,
        now.timestamp(),
        ctx.settings.admission_rate_per_second,
        ctx.settings.admission_burst,
    )
    if not decision.allowed:
        raise RateLimitedError(
            "too many attempts are starting; retry shortly", decision.retry_after
        )
    stored = await store.create_attempt(ctx.redis, attempt, await _final_at(ctx, exam, attempt))
    if stored.attempt_id != attempt.attempt_id:
        return Started(exam, stored, False)
    await publish_event(
        ctx.redis,
        "attempt.started",
        exam_id,
        {
            "attempt_id": stored.attempt_id,
            "student_id": stored.student_id,
            "started_at": stored.started_at.isoformat(),
            "deadline": lifecycle.deadline_of(exam, stored, now).isoformat(),
            "question_count": len(stored.question_ids),
        },
    )
    return Started(exam, stored, True)


async def load(ctx: AppContext, exam_id: str, student_id: str) -> tuple[Exam, Attempt]:
    """Exam and attempt, after the on-access deadline check (may auto-submit)."""
    exam, attempt = await store.load_exam_and_attempt(ctx.redis, exam_id, student_id)
    if attempt is None:
        raise NotFoundError("you have no attempt at this exam", {"exam_id": exam_id})
    return exam, await settle(ctx, exam, attempt)


async def settle(ctx: AppContext, exam: Exam, attempt: Attempt) -> Attempt:
    """Auto-submit the attempt if its grace is over; otherwise return it unchanged."""
    plan = lifecycle.auto_submit_due(exam, attempt, ctx.now())
    if plan is None:
        return attempt
    owner, saved = await store.claim_submit(
        ctx.redis, exam.exam_id, attempt.student_id, f"auto-{attempt.attempt_id}"
    )
    return (await complete(ctx, exam, attempt, plan, owner, saved)).attempt


async def sweep_one(ctx: AppContext, exam_id: str, student_id: str) -> None:
    """The sweeper's step for one indexed attempt: auto-submit it or re-index its new end."""
    exam, attempt = await store.load_exam_and_attempt(ctx.redis, exam_id, student_id)
    if attempt is None:
        await store.forget_running(ctx.redis, exam_id, student_id)
        return
    attempt = await settle(ctx, exam, attempt)
    if attempt.finished:
        await store.forget_running(ctx.redis, exam_id, student_id)
    else:
        await store.reschedule(ctx.redis, exam_id, student_id, await _final_at(ctx, exam, attempt))


def _record_submission(
    current: Attempt,
    submission_id: str,
    received_at: datetime,
    *,
    plan: lifecycle.SubmitPlan,
    idempotency_key: str,
    terminated: bool,
) -> Attempt:
    """``store.Recorder`` of a submit: a finished attempt stays as it is."""
    if current.finished:
        return current
    return lifecycle.record_submit(
        current,
        plan,
        submission_id=submission_id,
        received_at=received_at,
        idempotency_key=idempotency_key,
        terminated=terminated,
    )


def _submitted_event(
    stored: store.StoredSubmission, plan: lifecycle.SubmitPlan, terminated: bool
) -> store.PendingEvent | None:
    """``attempt.submitted``/``attempt.terminated`` when this submit recorded the attempt."""
    attempt, receipt = stored.attempt, stored.receipt
    if attempt.submission_id != receipt.submission_id or receipt.duplicate:
        return None
    return store.PendingEvent(
        "attempt.terminated" if terminated else "attempt.submitted",
        attempt.exam_id,
        {
            "attempt_id": attempt.attempt_id,
            "student_id": attempt.student_id,
            "submission_id": receipt.submission_id,
            "submitted_at": plan.submitted_at.isoformat(),
            "received_at": receipt.received_at,
            "late": plan.late,
            "auto_submitted": plan.auto,
        },
    )


async def complete(
    ctx: AppContext,
    exam: Exam,
    attempt: Attempt,
    plan: lifecycle.SubmitPlan,
    idempotency_key: str,
    saved: dict[str, SavedAnswer],
    *,
    terminated: bool = False,
) -> Submitted:
    """Store the submission and record it on the attempt (one atomic step), then announce it.

    ``saved`` are the answers read with the submit claim. Idempotency key: (exam_id,
    student_id, idempotency_key): a repeat returns the first receipt and changes nothing.
    """
    submission = NewSubmission(
        exam_id=exam.exam_id,
        attempt_id=attempt.attempt_id,
        student_id=attempt.student_id,
        idempotency_key=idempotency_key,
        answers={qid: s.answer for qid, s in saved.items() if qid in attempt.question_ids},
        question_ids=list(attempt.question_ids),
        key_version=exam.key_version,
        received_at=_millis(ctx.now()),
        late=plan.late,
        auto_submitted=plan.auto,
    )
    record = partial(
        _record_submission, plan=plan, idempotency_key=idempotency_key, terminated=terminated
    )
    stored = await store.store_submission(ctx.redis, submission, attempt, record)
    event = _submitted_event(stored, plan, terminated)
    await store.announce_submission(ctx.redis, submission, stored, [event] if event else [])
    answers = None if stored.receipt.duplicate else dict(submission.answers)
    return Submitted(stored.attempt, stored.receipt, answers)


def _receipt_of(attempt: Attempt) -> Receipt:
    return Receipt(
        submission_id=attempt.submission_id or "",
        received_at=attempt.received_at.isoformat() if attempt.received_at else "",
        duplicate=True,
    )


async def submit(
    ctx: AppContext,
    principal: Principal,
    exam_id: str,
    idempotency_key: str,
    final_answers: dict[str, AutosaveBody],
) -> Submitted:
    """The student's submit; a repeat with the same key returns the first receipt."""
    exam, attempt = await load(ctx, exam_id, principal.sub)
    if attempt.finished:
        if attempt.idempotency_key == idempotency_key:
            stored = await find_receipt(ctx.redis, exam_id, principal.sub, idempotency_key)
            return Submitted(attempt, stored or _receipt_of(attempt))
        if attempt.auto_submitted:
            raise DeadlinePassedError(
                "the deadline has passed; your saved answers were submitted",
                {"submission_id": attempt.submission_id, "status": attempt.status},
            )
        raise AlreadySubmittedError(
            "the attempt is already submitted",
            {"submission_id": attempt.submission_id, "status": attempt.status},
        )
    now = ctx.now()
    plan = lifecycle.plan_submit(exam, attempt, now)
    for question_id in final_answers:
        if question_id not in attempt.question_ids:
            raise NotFoundError("no such question in your attempt", {"question_id": question_id})
    owner, saved = await store.claim_submit_with_answers(
        ctx.redis,
        exam_id,
        principal.sub,
        idempotency_key,
        [(qid, body.seq, body.answer) for qid, body in final_answers.items()],
        now,
    )
    if owner != idempotency_key:
        raise AlreadySubmittedError(
            "another submit of this attempt is in progress", {"status": attempt.status}
        )
    return await complete(ctx, exam, attempt, plan, idempotency_key, saved)


async def autosave(
    ctx: AppContext,
    principal: Principal,
    exam_id: str,
    question_id: str,
    body: AutosaveBody,
    *,
    exam: Exam | None = None,
    attempt: Attempt | None = None,
) -> SavedAnswer:
    if exam is None or attempt is None:
        exam, attempt = await load(ctx, exam_id, principal.sub)
    if question_id not in attempt.question_ids:
        raise NotFoundError("no such question in your attempt", {"question_id": question_id})
    now = ctx.now()
    lifecycle.check_answerable(exam, attempt, now)
    return await store.save_answer(
        ctx.redis, exam_id, principal.sub, question_id, body.seq, body.answer, now
    )


async def questions(
    ctx: AppContext, principal: Principal, exam_id: str
) -> tuple[Attempt, list[dict[str, Any]], dict[str, SavedAnswer]]:
    """The attempt's questions as student views (no key material) and the saved answers."""
    exam, attempt = await load(ctx, exam_id, principal.sub)
    if attempt.finished:
        raise AlreadySubmittedError("the attempt is finished", {"status": attempt.status})
    if attempt.status == "paused":
        raise AttemptNotActiveError("the attempt is paused by a proctor", {"status": "paused"})
    bank = await load_questions(ctx.redis, exam_id, attempt.key_version)
    views = []
    for qid in attempt.question_ids:
        question = bank[qid]
        if not exam.shuffle_options and hasattr(question, "shuffle"):
            question = question.model_copy(update={"shuffle": False})
        views.append(student_view(question, option_seed(attempt.seed, qid)))
    saved = await store.load_answers(ctx.redis, exam_id, principal.sub)
    return attempt, views, saved
