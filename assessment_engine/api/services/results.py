"""Student result view under the release policy: scores per question, feedback after release.

Called by the student result route. Reads the stored result (``storage.results``) of the
attempt's submission; exposes scores and statuses only, never responses' grading details,
parts or anything derived from the key, and feedback only once ``feedback_visible``.
"""

from __future__ import annotations

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import QuestionResultView, StudentResult
from assessment_engine.api.services.attempts import load
from assessment_engine.exams.release import feedback_visible, scores_visible
from assessment_engine.storage.errors import ResultNotFoundError
from assessment_engine.storage.results import get_result


async def student_result(ctx: AppContext, principal: Principal, exam_id: str) -> StudentResult:
    exam, attempt = await load(ctx, exam_id, principal.sub)
    now = ctx.now()
    released = scores_visible(exam, now)
    with_feedback = feedback_visible(exam, now)
    base = StudentResult(
        attempt_id=attempt.attempt_id,
        status="not_submitted",
        released=released,
        feedback_released=with_feedback,
    )
    if attempt.submission_id is None:
        return base
    try:
        result = await get_result(ctx.redis, exam_id, attempt.submission_id)
    except ResultNotFoundError:
        return base.model_copy(update={"status": "grading"})
    if not released:
        return base.model_copy(update={"status": "graded"})
    feedback: dict[str, list[str]] = {}
    if with_feedback:
        for grade in result.grade.grades:
            feedback[grade.question_id] = list(grade.feedback)
    questions = [
        QuestionResultView(
            question_id=q.question_id,
            score=q.score,
            max_score=q.max_score,
            status=q.status,
            feedback=feedback.get(q.question_id) if with_feedback else None,
        )
        for q in result.questions
    ]
    return base.model_copy(
        update={
            "status": "graded",
            "total": result.total,
            "max_total": result.max_total,
            "key_version": result.key_version,
            "questions": questions,
        }
    )
