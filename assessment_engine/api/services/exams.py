"""Proctor-side exam services: create, change, accommodations, release, monitor, audit, export.

Called by ``assessment_engine.api.routes.proctor`` and ``.schedule``; each function loads what
it needs, calls one rule of ``assessment_engine.exams``, stores the result and publishes the
domain event.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from pydantic import ValidationError

from assessment_engine.api.auth import Principal, ensure_owner
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import AccommodationChange, ExamCreate, ExamPatch, MonitorView
from assessment_engine.api.services.attempts import settle
from assessment_engine.api.services.banks import import_bank
from assessment_engine.exams import release as release_rules
from assessment_engine.exams.errors import ForbiddenError, InvalidExamError
from assessment_engine.exams.lifecycle import deadline_of
from assessment_engine.exams.models import Accommodation, Attempt, Exam, ExamTiming
from assessment_engine.exams.timing import final_instant
from assessment_engine.storage import attempts as attempt_store
from assessment_engine.storage import exams as exam_store
from assessment_engine.storage.deadletters import list_dead_letters, retry_dead_letter
from assessment_engine.storage.events import publish_event
from assessment_engine.storage.models import DeadLetter
from assessment_engine.storage.questions import save_questions
from assessment_engine.storage.queue import GradingQueue
from assessment_engine.storage.results import list_results
from assessment_engine.storage.submissions import exam_counts


def _timing(**fields: Any) -> ExamTiming:
    try:
        return ExamTiming(**fields)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        raise InvalidExamError("the schedule is invalid", {"errors": errors}) from exc


def _check_pools(exam: Exam) -> None:
    known = set(exam.question_ids)
    unknown = sorted({q for p in exam.pools for q in p.question_ids} - known)
    if unknown:
        raise InvalidExamError("pools name unknown questions", {"unknown": unknown})


async def create_exam(ctx: AppContext, principal: Principal, body: ExamCreate) -> Exam:
    """Import the bank (key version 1), store it and the exam; the caller owns the exam."""
    timing = _timing(
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        display_timezone=body.display_timezone,
        time_limit_seconds=body.time_limit_seconds,
        grace_seconds=body.grace_seconds,
    )
    questions = import_bank(body.bank, body.format, key_version=1)
    exam = Exam(
        exam_id=uuid.uuid4().hex,
        title=body.title,
        owner=principal.sub,
        org=principal.org,
        created_at=ctx.now(),
        timing=timing,
        question_ids=tuple(q.id for q in questions),
        pools=tuple(body.pools),
        shuffle_questions=body.shuffle_questions,
        shuffle_options=body.shuffle_options,
        roster=tuple(dict.fromkeys(body.roster)),
        accommodations=body.accommodations,
        release_policy=body.release_policy,
        expected_candidates=body.expected_candidates,
    )
    _check_pools(exam)
    await save_questions(ctx.redis, exam.exam_id, 1, questions)
    await exam_store.create_exam(ctx.redis, exam)
    return exam


async def owned_exam(ctx: AppContext, principal: Principal, exam_id: str) -> Exam:
    exam = await exam_store.get_exam(ctx.redis, exam_id)
    ensure_owner(principal, exam.owner)
    return exam


async def list_exams(ctx: AppContext, principal: Principal) -> list[Exam]:
    owner = None if principal.role in ("admin", "service") else principal.sub
    return await exam_store.list_exams(ctx.redis, owner)


async def audit(
    ctx: AppContext,
    principal: Principal,
    exam_id: str,
    action: str,
    reason: str,
    student_id: str | None = None,
    **details: Any,
) -> None:
    await exam_store.append_audit(
        ctx.redis,
        exam_id,
        {
            "at": ctx.now().isoformat(),
            "actor": principal.sub,
            "action": action,
            "student_id": student_id,
            "reason": reason,
            "details": details,
        },
    )


async def patch_exam(ctx: AppContext, principal: Principal, exam_id: str, body: ExamPatch) -> Exam:
    await owned_exam(ctx, principal, exam_id)
    changes = body.model_dump(exclude_unset=True)

    def change(exam: Exam) -> Exam:
        t = exam.timing
        timing = _timing(
            opens_at=changes.get("opens_at", t.opens_at),
            closes_at=changes.get("closes_at", t.closes_at),
            display_timezone=changes.get("display_timezone", t.display_timezone),
            time_limit_seconds=changes.get("time_limit_seconds", t.time_limit_seconds),
            grace_seconds=changes.get("grace_seconds", t.grace_seconds),
        )
        update: dict[str, Any] = {"timing": timing}
        for name in ("title", "release_policy", "expected_candidates"):
            if changes.get(name) is not None:
                update[name] = changes[name]
        if changes.get("roster") is not None:
            update["roster"] = tuple(dict.fromkeys(changes["roster"]))
        return exam.model_copy(update=update)

    _, after = await exam_store.update_exam(ctx.redis, exam_id, change)
    await audit(
        ctx,
        principal,
        exam_id,
        "exam.updated",
        "schedule or settings changed",
        **{k: str(v) for k, v in changes.items() if k != "roster"},
    )
    await _reschedule_all(ctx, after)
    return after


async def _reschedule_all(ctx: AppContext, exam: Exam) -> None:
    for attempt in await attempt_store.list_attempts(ctx.redis, exam.exam_id):
        await _reschedule(ctx, exam, attempt)


async def _reschedule(ctx: AppContext, exam: Exam, attempt: Attempt) -> None:
    if not attempt.finished:
        deadline = deadline_of(exam, attempt, ctx.now())
        final = final_instant(deadline, exam.timing.grace_seconds)
        await attempt_store.reschedule(ctx.redis, exam.exam_id, attempt.student_id, final)


async def set_accommodation(
    ctx: AppContext, principal: Principal, exam_id: str, student_id: str, body: AccommodationChange
) -> tuple[Exam, Attempt | None]:
    """Change a student's accommodation; a running attempt's deadline moves at once."""
    await owned_exam(ctx, principal, exam_id)
    accommodation = Accommodation(
        time_multiplier=body.time_multiplier, extra_seconds=body.extra_seconds
    )

    def change(exam: Exam) -> Exam:
        return exam.model_copy(
            update={"accommodations": {**exam.accommodations, student_id: accommodation}}
        )

    _, exam = await exam_store.update_exam(ctx.redis, exam_id, change)
    attempt = await attempt_store.get_attempt(ctx.redis, exam_id, student_id)
    deadline = None
    if attempt is not None:
        await _reschedule(ctx, exam, attempt)
        deadline = deadline_of(exam, attempt, ctx.now()).isoformat()
    await audit(
        ctx,
        principal,
        exam_id,
        "accommodation.changed",
        body.reason,
        student_id,
        time_multiplier=accommodation.time_multiplier,
        extra_seconds=accommodation.extra_seconds,
    )
    await publish_event(
        ctx.redis,
        "attempt.accommodation_changed",
        exam_id,
        {
            "student_id": student_id,
            "attempt_id": attempt.attempt_id if attempt else None,
            "time_multiplier": accommodation.time_multiplier,
            "extra_seconds": accommodation.extra_seconds,
            "deadline": deadline,
        },
    )
    return exam, attempt


async def release_results(ctx: AppContext, principal: Principal, exam_id: str, reason: str) -> Exam:
    await owned_exam(ctx, principal, exam_id)
    now = ctx.now()
    _, exam = await exam_store.update_exam(
        ctx.redis, exam_id, lambda e: release_rules.release(e, now)
    )
    await audit(ctx, principal, exam_id, "results.released", reason)
    await publish_event(
        ctx.redis,
        "results.released",
        exam_id,
        {
            "released_at": now.isoformat(),
            "release_policy": exam.release_policy,
            "trigger": "manual",
        },
    )
    return exam


async def monitor(ctx: AppContext, exam: Exam) -> MonitorView:
    attempts = await attempt_store.list_attempts(ctx.redis, exam.exam_id)
    stats = await GradingQueue(ctx.redis).stats()
    mine = next((e for e in stats.exams if e.exam_id == exam.exam_id), None)

    counters = await exam_counts(ctx.redis, exam.exam_id)

    def count(status: str) -> int:
        return sum(1 for a in attempts if a.status == status)

    return MonitorView(
        exam_id=exam.exam_id,
        now=ctx.now(),
        roster_size=len(exam.roster),
        expected_candidates=exam.expected_candidates,
        started=len(attempts),
        in_progress=count("in_progress"),
        paused=count("paused"),
        submitted=count("submitted"),
        terminated=count("terminated"),
        late=sum(1 for a in attempts if a.late),
        auto_submitted=sum(1 for a in attempts if a.auto_submitted),
        graded=await exam_store.count_graded(ctx.redis, exam.exam_id),
        graded_on_cluster=counters["graded_by_cluster"],
        graded_on_lambda=counters["graded_by_lambda"],
        grading_backlog=(mine.length + mine.pending) if mine else 0,
        oldest_pending_age_seconds=mine.oldest_pending_age_seconds if mine else 0.0,
        dead_letters=mine.dead_letters if mine else 0,
    )


async def export_csv(ctx: AppContext, exam: Exam) -> str:
    """One row per attempt: timing flags, total and each question's score (blank: not drawn)."""
    attempts = await attempt_store.list_attempts(ctx.redis, exam.exam_id)
    results = {r.submission_id: r for r in await list_results(ctx.redis, exam.exam_id)}
    out = io.StringIO()
    writer = csv.writer(out)
    header = [
        "student_id",
        "attempt_id",
        "status",
        "started_at",
        "submitted_at",
        "late",
        "auto_submitted",
        "submission_id",
        "key_version",
        "total",
        "max_total",
    ]
    writer.writerow(header + list(exam.question_ids))
    for a in attempts:
        result = results.get(a.submission_id or "")
        scores = {q.question_id: q.score for q in result.questions} if result else {}
        writer.writerow(
            [
                a.student_id,
                a.attempt_id,
                a.status,
                a.started_at.isoformat(),
                a.submitted_at.isoformat() if a.submitted_at else "",
                int(a.late),
                int(a.auto_submitted),
                a.submission_id or "",
                result.key_version if result else "",
                result.total if result else "",
                result.max_total if result else "",
                *[scores.get(qid, "") for qid in exam.question_ids],
            ]
        )
    return out.getvalue()


async def monitor_owned(ctx: AppContext, principal: Principal, exam_id: str) -> MonitorView:
    return await monitor(ctx, await owned_exam(ctx, principal, exam_id))


async def attempts_of(
    ctx: AppContext, principal: Principal, exam_id: str
) -> tuple[Exam, list[Attempt]]:
    """The exam's attempts, each after the on-access deadline check."""
    exam = await owned_exam(ctx, principal, exam_id)
    attempts = await attempt_store.list_attempts(ctx.redis, exam_id)
    return exam, [await settle(ctx, exam, a) for a in attempts]


async def audit_log(ctx: AppContext, principal: Principal, exam_id: str) -> list[dict[str, Any]]:
    await owned_exam(ctx, principal, exam_id)
    return await exam_store.list_audit(ctx.redis, exam_id)


async def export_owned(ctx: AppContext, principal: Principal, exam_id: str) -> str:
    return await export_csv(ctx, await owned_exam(ctx, principal, exam_id))


async def dead_letters(ctx: AppContext, principal: Principal, exam_id: str) -> list[DeadLetter]:
    await owned_exam(ctx, principal, exam_id)
    return await list_dead_letters(ctx.redis, exam_id)


async def retry_dead(ctx: AppContext, principal: Principal, exam_id: str, dead_id: str) -> str:
    """Put a dead-lettered job back on the grading stream (audited); the new entry id."""
    await owned_exam(ctx, principal, exam_id)
    entry = await retry_dead_letter(ctx.redis, exam_id, dead_id)
    await audit(ctx, principal, exam_id, "dead_letter.retry", "retry", None, dead_id=dead_id)
    return entry


async def student_overview(ctx: AppContext, principal: Principal, exam_id: str) -> Exam:
    """The exam, for a student on its roster."""
    exam = await exam_store.get_exam(ctx.redis, exam_id)
    if not exam.on_roster(principal.sub):
        raise ForbiddenError("you are not on the roster of this exam", {"exam_id": exam_id})
    return exam


async def upcoming(ctx: AppContext, within_seconds: float) -> list[Exam]:
    return await exam_store.upcoming_exams(ctx.redis, ctx.now(), within_seconds)
