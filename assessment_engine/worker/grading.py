"""The function a worker runs in its executor: pure grading of one ``GradingWork``.

Module-level (picklable) so a process pool can run it; called by :mod:`.runner`.
"""

from __future__ import annotations

import signal

from assessment_engine.grading.submission import SubmissionGrade, grade_submission
from assessment_engine.storage.models import GradingWork


def grade_work(work: GradingWork) -> SubmissionGrade:
    """Grade every question of the submission in the attempt's order (pure, no I/O)."""
    return grade_submission(work.questions, work.answers, work.question_ids)


def ignore_shutdown_signals() -> None:
    """Pool-process initializer: SIGTERM/SIGINT are for the worker, which drains the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
