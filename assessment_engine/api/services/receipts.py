"""Receipts with an answers digest, and the student's own stored submission.

Called by the student submit and my-submission routes. A first submit digests the answers it
stored (no extra round trip); a repeated submit, or a later read, loads the stored submission.
Only the student's own answers are returned: no scores, keys or feedback.
"""

from __future__ import annotations

from datetime import datetime

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import MySubmission, SubmitReceipt
from assessment_engine.api.services.attempts import Submitted, load
from assessment_engine.exams.errors import NotFoundError
from assessment_engine.exams.receipts import answers_digest
from assessment_engine.storage.submissions import get_submission


async def receipt_of(ctx: AppContext, exam_id: str, done: Submitted) -> SubmitReceipt:
    """The 202 body: the stored submission's id, server time and digest."""
    answers = done.answers
    if answers is None:  # a duplicate: the answers are the first submit's, read them back
        answers = (await get_submission(ctx.redis, exam_id, done.receipt.submission_id)).answers
    attempt = done.attempt
    return SubmitReceipt(
        attempt_id=attempt.attempt_id,
        submission_id=done.receipt.submission_id,
        received_at=done.receipt.received_at,
        submitted_at=attempt.submitted_at or ctx.now(),
        late=attempt.late,
        auto_submitted=attempt.auto_submitted,
        duplicate=done.receipt.duplicate,
        answers_digest=answers_digest(answers),
        answer_count=len(answers),
    )


async def my_submission(ctx: AppContext, principal: Principal, exam_id: str) -> MySubmission:
    """The caller's stored submission (404 before one exists)."""
    _, attempt = await load(ctx, exam_id, principal.sub)
    if attempt.submission_id is None:
        raise NotFoundError("your attempt has not been submitted", {"exam_id": exam_id})
    stored = await get_submission(ctx.redis, exam_id, attempt.submission_id)
    submitted_at: datetime | None = attempt.submitted_at
    return MySubmission(
        attempt_id=stored.attempt_id,
        submission_id=stored.submission_id,
        received_at=stored.received_at,
        submitted_at=submitted_at,
        late=stored.late,
        auto_submitted=stored.auto_submitted,
        answers=dict(stored.answers),
        answers_digest=answers_digest(stored.answers),
        answer_count=len(stored.answers),
    )
