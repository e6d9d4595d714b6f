"""The auto-submit sweeper: a background task of the API process.

Started by ``create_app``'s lifespan. Every ``sweeper_interval_seconds`` it auto-submits the
running attempts whose grace is over (``attempts.sweep_one``: dated at the deadline, however
late the sweep runs) and publishes ``exam.closed`` (plus ``results.released`` for
``after_close`` exams) once per exam after ``closes_at``. Several API replicas may sweep at
once: every step is idempotent (submit claim, ``SET NX`` close marker).
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from assessment_engine.api.context import AppContext
from assessment_engine.api.services.attempts import sweep_one
from assessment_engine.exams.errors import ExamRuleError
from assessment_engine.storage import attempts as attempt_store
from assessment_engine.storage import exams as exam_store
from assessment_engine.storage.errors import StorageError
from assessment_engine.storage.events import publish_event

log = logging.getLogger(__name__)


async def sweep_once(ctx: AppContext) -> int:
    """One pass; returns the number of attempts looked at."""
    now = ctx.now()
    due = await attempt_store.due_attempts(ctx.redis, now)
    for exam_id, student_id in due:
        try:
            await sweep_one(ctx, exam_id, student_id)
        except (ExamRuleError, StorageError) as exc:
            log.warning("sweep of attempt failed", extra={"exam_id": exam_id, "error": str(exc)})
    await close_exams(ctx)
    return len(due)


async def close_exams(ctx: AppContext) -> None:
    now = ctx.now()
    for exam_id in await exam_store.closing_due(ctx.redis, now):
        try:
            exam = await exam_store.get_exam(ctx.redis, exam_id)
        except ExamRuleError:  # purged by an operator
            await exam_store.forget_closing(ctx.redis, exam_id)
            continue
        first = await exam_store.mark_closed(ctx.redis, exam_id)
        await exam_store.forget_closing(ctx.redis, exam_id)
        if not first:
            continue
        attempts = await attempt_store.list_attempts(ctx.redis, exam_id)
        await publish_event(
            ctx.redis,
            "exam.closed",
            exam_id,
            {
                "closes_at": exam.timing.closes_at.isoformat(),
                "attempts_started": len(attempts),
                "attempts_finished": sum(1 for a in attempts if a.finished),
            },
        )
        if exam.release_policy == "after_close" and exam.released_at is None:
            await publish_event(
                ctx.redis,
                "results.released",
                exam_id,
                {
                    "released_at": exam.timing.closes_at.isoformat(),
                    "release_policy": exam.release_policy,
                    "trigger": "after_close",
                },
            )


async def run_sweeper(ctx: AppContext, stop: asyncio.Event) -> None:
    """Sweep until ``stop`` is set; Redis outages are logged and retried next interval."""
    while not stop.is_set():
        try:
            await sweep_once(ctx)
        except (RedisError, OSError) as exc:
            log.warning("sweeper pass failed", extra={"error": str(exc)})
        try:
            await asyncio.wait_for(stop.wait(), ctx.settings.sweeper_interval_seconds)
        except TimeoutError:
            continue
