"""The student's list of exams: every exam whose roster names them, with their attempt's state.

Called by ``GET /v1/students/me/exams``. Built from the roster index
(``storage.exams.list_student_exams``) and the student's own attempts; each entry is the same
student view as ``…/overview`` plus where the attempt stands and whether results are out.
"""

from __future__ import annotations

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import StudentExamEntry
from assessment_engine.api.services.views import student_exam_view
from assessment_engine.exams.release import scores_visible
from assessment_engine.storage import attempts as attempt_store
from assessment_engine.storage import exams as exam_store


async def my_exams(ctx: AppContext, principal: Principal) -> list[StudentExamEntry]:
    exams = await exam_store.list_student_exams(ctx.redis, principal.sub)
    now = ctx.now()
    entries = []
    for exam in exams:
        attempt = await attempt_store.get_attempt(ctx.redis, exam.exam_id, principal.sub)
        entries.append(
            StudentExamEntry(
                **student_exam_view(exam).model_dump(),
                attempt_state=attempt.status if attempt else "not_started",
                submission_id=attempt.submission_id if attempt else None,
                results_released=scores_visible(exam, now),
            )
        )
    return entries
