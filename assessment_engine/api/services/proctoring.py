"""Proctor actions on a running attempt: pause, resume, extend, terminate (each audited).

Called by the proctor routes. Each action applies a pure transition from
``assessment_engine.exams.lifecycle`` under optimistic locking, re-indexes the attempt for the
sweeper, writes an audit entry with the proctor's reason and publishes the domain event.
"""

from __future__ import annotations

from typing import Literal

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.services import attempts as attempt_service
from assessment_engine.api.services.exams import audit, owned_exam
from assessment_engine.exams import lifecycle
from assessment_engine.exams.errors import AlreadySubmittedError
from assessment_engine.exams.models import Attempt, Exam
from assessment_engine.exams.timing import final_instant
from assessment_engine.storage import attempts as store
from assessment_engine.storage.events import publish_event

Action = Literal["pause", "resume", "extend"]


async def act(
    ctx: AppContext,
    principal: Principal,
    exam_id: str,
    student_id: str,
    action: Action,
    reason: str,
    seconds: int = 0,
) -> tuple[Exam, Attempt]:
    exam = await owned_exam(ctx, principal, exam_id)
    _, attempt = await attempt_service.load(ctx, exam_id, student_id)
    now = ctx.now()

    def change(current: Attempt) -> Attempt:
        if action == "pause":
            return lifecycle.pause(current, now)
        if action == "resume":
            return lifecycle.resume(current, now)
        return lifecycle.extend(current, seconds)

    attempt = await store.update_attempt(ctx.redis, exam_id, student_id, change)
    deadline = lifecycle.deadline_of(exam, attempt, now)
    await store.reschedule(
        ctx.redis, exam_id, student_id, final_instant(deadline, exam.timing.grace_seconds)
    )
    details: dict[str, object] = {"seconds": seconds} if action == "extend" else {}
    await audit(ctx, principal, exam_id, f"attempt.{action}", reason, student_id, **details)
    event = {"pause": "attempt.paused", "resume": "attempt.resumed", "extend": "attempt.extended"}
    await publish_event(
        ctx.redis,
        event[action],  # type: ignore[arg-type]
        exam_id,
        {
            "attempt_id": attempt.attempt_id,
            "student_id": student_id,
            "reason": reason,
            "at": now.isoformat(),
            "deadline": deadline.isoformat(),
            "extension_seconds": attempt.extension_seconds,
            **details,
        },
    )
    return exam, attempt


async def terminate(
    ctx: AppContext, principal: Principal, exam_id: str, student_id: str, reason: str
) -> tuple[Exam, Attempt]:
    """End the attempt now; its last saved answers are submitted (recorded as terminated)."""
    exam = await owned_exam(ctx, principal, exam_id)
    _, attempt = await attempt_service.load(ctx, exam_id, student_id)
    plan = lifecycle.terminate_plan(attempt, ctx.now())
    key = f"terminate-{attempt.attempt_id}"
    owner, saved = await store.claim_submit(ctx.redis, exam_id, student_id, key)
    if owner != key:
        raise AlreadySubmittedError("a submit of this attempt is in progress", {})
    await audit(ctx, principal, exam_id, "attempt.terminate", reason, student_id)
    done = await attempt_service.complete(ctx, exam, attempt, plan, key, saved, terminated=True)
    return exam, done.attempt
