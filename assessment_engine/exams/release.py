"""Results release policy: when a student may see scores, and when feedback.

Called by the student result view and by the release action. ``immediately`` shows scores once
graded; ``after_close`` once ``closes_at`` passed; ``manual`` once a proctor released. Feedback
can hint at the key, so it is shown only when the exam is over for everyone (closed, or a
proctor released explicitly), whatever the policy.
"""

from __future__ import annotations

from datetime import datetime

from assessment_engine.exams.errors import ConflictError
from assessment_engine.exams.models import Exam


def scores_visible(exam: Exam, now: datetime) -> bool:
    if exam.released_at is not None or exam.release_policy == "immediately":
        return True
    if exam.release_policy == "after_close":
        return now >= exam.timing.closes_at
    return False


def feedback_visible(exam: Exam, now: datetime) -> bool:
    if exam.released_at is not None:
        return True
    return exam.release_policy != "manual" and now >= exam.timing.closes_at


def release(exam: Exam, now: datetime) -> Exam:
    """Mark results released (the manual action); releasing twice is refused."""
    if exam.released_at is not None:
        raise ConflictError(
            "results are already released", {"released_at": exam.released_at.isoformat()}
        )
    return exam.model_copy(update={"released_at": now})
