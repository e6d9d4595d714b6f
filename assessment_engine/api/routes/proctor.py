"""Proctor routes under ``/v1/exams``: schedule, run, release, export and regrade an exam.

Each route parses, calls one service function of ``assessment_engine.api.services`` and maps
the result; proctors act on their own exams only, admins on all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from assessment_engine.api.auth import Principal, require_roles
from assessment_engine.api.context import AppContext, get_context
from assessment_engine.api.errors import documented
from assessment_engine.api.schemas import (
    AccommodationChange,
    ActionBody,
    AttemptView,
    AuditEntry,
    DeadLetterView,
    ExamCreate,
    ExamPatch,
    ExamView,
    ExtendBody,
    MonitorView,
    RegradeApplied,
    RegradeCreate,
    RegradeProposal,
    RetryResult,
    RosterView,
)
from assessment_engine.api.services import exams as service
from assessment_engine.api.services import proctoring, regrade
from assessment_engine.api.services.roster import live_roster
from assessment_engine.api.services.views import attempt_view, exam_view
from assessment_engine.exams.models import Attempt, Exam

router = APIRouter(prefix="/v1/exams", tags=["proctor"])
Proctor = Annotated[Principal, Depends(require_roles("proctor", "admin"))]
Ctx = Annotated[AppContext, Depends(get_context)]
ExamId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
StudentId = Annotated[str, Path(min_length=1, max_length=200)]
ERRORS = documented(401, 403, 404, 422, 503)
CHANGE_ERRORS = documented(401, 403, 404, 409, 422, 503)


@router.post(
    "", status_code=201, response_model=ExamView, responses=documented(401, 403, 413, 422, 503)
)
async def create_exam(body: ExamCreate, principal: Proctor, ctx: Ctx) -> ExamView:
    """Create an exam from a GIFT, QTI or JSON bank; import errors list line and column."""
    return exam_view(await service.create_exam(ctx, principal, body))


@router.get("", response_model=list[ExamView], responses=documented(401, 403, 503))
async def list_exams(principal: Proctor, ctx: Ctx) -> list[ExamView]:
    """The caller's exams (admins: every exam)."""
    return [exam_view(e) for e in await service.list_exams(ctx, principal)]


@router.get("/{exam_id}", response_model=ExamView, responses=ERRORS)
async def get_exam(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> ExamView:
    return exam_view(await service.owned_exam(ctx, principal, exam_id))


@router.patch("/{exam_id}", response_model=ExamView, responses=CHANGE_ERRORS)
async def patch_exam(exam_id: ExamId, body: ExamPatch, principal: Proctor, ctx: Ctx) -> ExamView:
    """Change schedule, roster, release policy or expected candidates; deadlines follow."""
    return exam_view(await service.patch_exam(ctx, principal, exam_id, body))


@router.put(
    "/{exam_id}/accommodations/{student_id}", response_model=ExamView, responses=CHANGE_ERRORS
)
async def set_accommodation(
    exam_id: ExamId, student_id: StudentId, body: AccommodationChange, principal: Proctor, ctx: Ctx
) -> ExamView:
    """Set a student's multiplier and extra seconds; a running attempt's deadline moves now."""
    exam, _ = await service.set_accommodation(ctx, principal, exam_id, student_id, body)
    return exam_view(exam)


@router.post("/{exam_id}/release", response_model=ExamView, responses=CHANGE_ERRORS)
async def release_results(
    exam_id: ExamId, body: ActionBody, principal: Proctor, ctx: Ctx
) -> ExamView:
    """Release results (scores and feedback) to students now."""
    return exam_view(await service.release_results(ctx, principal, exam_id, body.reason))


@router.get("/{exam_id}/monitor", response_model=MonitorView, responses=ERRORS)
async def monitor(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> MonitorView:
    """Live counts: started, in progress, submitted, graded, grading backlog, oldest pending."""
    return await service.monitor_owned(ctx, principal, exam_id)


@router.get("/{exam_id}/roster", response_model=RosterView, responses=ERRORS)
async def roster(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> RosterView:
    """Every roster student: state, time left, answers saved, last autosave; with counts."""
    return await live_roster(ctx, principal, exam_id)


@router.get("/{exam_id}/attempts", response_model=list[AttemptView], responses=ERRORS)
async def list_attempts(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> list[AttemptView]:
    exam, attempts = await service.attempts_of(ctx, principal, exam_id)
    now = ctx.now()
    return [attempt_view(exam, a, now) for a in attempts]


def _view(ctx: AppContext, exam_and_attempt: tuple[Exam, Attempt]) -> AttemptView:
    exam, attempt = exam_and_attempt
    return attempt_view(exam, attempt, ctx.now())


@router.post(
    "/{exam_id}/attempts/{student_id}/pause", response_model=AttemptView, responses=CHANGE_ERRORS
)
async def pause_attempt(
    exam_id: ExamId, student_id: StudentId, body: ActionBody, principal: Proctor, ctx: Ctx
) -> AttemptView:
    """Pause: the student can neither see questions nor answer; paused time is given back."""
    return _view(
        ctx, await proctoring.act(ctx, principal, exam_id, student_id, "pause", body.reason)
    )


@router.post(
    "/{exam_id}/attempts/{student_id}/resume", response_model=AttemptView, responses=CHANGE_ERRORS
)
async def resume_attempt(
    exam_id: ExamId, student_id: StudentId, body: ActionBody, principal: Proctor, ctx: Ctx
) -> AttemptView:
    return _view(
        ctx, await proctoring.act(ctx, principal, exam_id, student_id, "resume", body.reason)
    )


@router.post(
    "/{exam_id}/attempts/{student_id}/extend", response_model=AttemptView, responses=CHANGE_ERRORS
)
async def extend_attempt(
    exam_id: ExamId, student_id: StudentId, body: ExtendBody, principal: Proctor, ctx: Ctx
) -> AttemptView:
    """Add seconds to this attempt's deadline (also past the exam's close)."""
    return _view(
        ctx,
        await proctoring.act(
            ctx, principal, exam_id, student_id, "extend", body.reason, body.seconds
        ),
    )


@router.post(
    "/{exam_id}/attempts/{student_id}/terminate",
    response_model=AttemptView,
    responses=CHANGE_ERRORS,
)
async def terminate_attempt(
    exam_id: ExamId, student_id: StudentId, body: ActionBody, principal: Proctor, ctx: Ctx
) -> AttemptView:
    """End the attempt now; its last saved answers are submitted for grading."""
    return _view(ctx, await proctoring.terminate(ctx, principal, exam_id, student_id, body.reason))


@router.get("/{exam_id}/audit", response_model=list[AuditEntry], responses=ERRORS)
async def audit_log(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> list[AuditEntry]:
    """Every proctor action on the exam with its reason, oldest first."""
    return [AuditEntry.model_validate(e) for e in await service.audit_log(ctx, principal, exam_id)]


@router.get(
    "/{exam_id}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per attempt."}, **ERRORS},
)
async def export_results(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> Response:
    body = await service.export_owned(ctx, principal, exam_id)
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{exam_id}-results.csv"'},
    )


@router.get("/{exam_id}/dead-letters", response_model=list[DeadLetterView], responses=ERRORS)
async def dead_letters(exam_id: ExamId, principal: Proctor, ctx: Ctx) -> list[DeadLetterView]:
    """Grading jobs that failed too often (no answers or keys in the view)."""
    return [
        DeadLetterView.model_validate(d.model_dump())
        for d in await service.dead_letters(ctx, principal, exam_id)
    ]


@router.post(
    "/{exam_id}/dead-letters/{dead_id}/retry",
    response_model=RetryResult,
    status_code=202,
    responses=ERRORS,
)
async def retry_dead(
    exam_id: ExamId,
    dead_id: Annotated[
        str,
        Path(
            pattern=r"^[0-9]{1,20}-[0-9]{1,20}$",
            description="Redis stream id ``ms-seq``, each part an unsigned 64-bit integer;"
            " an id beyond 64 bits names no entry (404).",
        ),
    ],
    principal: Proctor,
    ctx: Ctx,
) -> RetryResult:
    entry = await service.retry_dead(ctx, principal, exam_id, dead_id)
    return RetryResult(dead_id=dead_id, entry_id=entry)


@router.post(
    "/{exam_id}/regrades",
    response_model=RegradeProposal,
    status_code=201,
    responses=documented(401, 403, 404, 413, 422, 503),
)
async def propose_regrade(
    exam_id: ExamId, body: RegradeCreate, principal: Proctor, ctx: Ctx
) -> RegradeProposal:
    """Dry run: grade every stored submission with the fixed key; list every changed score."""
    return await regrade.propose(ctx, principal, exam_id, body)


@router.post(
    "/{exam_id}/regrades/{regrade_id}/apply",
    response_model=RegradeApplied,
    status_code=202,
    responses=CHANGE_ERRORS,
)
async def apply_regrade(
    exam_id: ExamId,
    regrade_id: Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")],
    principal: Proctor,
    ctx: Ctx,
) -> RegradeApplied:
    """Save the fixed key as the next version and enqueue a regrade job per submission."""
    return await regrade.apply(ctx, principal, exam_id, regrade_id)
