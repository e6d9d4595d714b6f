"""Operator route ``/v1/schedule/upcoming``: exams about to open, for the autoscaler's pre-warm.

Called by the operator (role ``service``) and admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment_engine.api.auth import Principal, require_roles
from assessment_engine.api.context import AppContext, get_context
from assessment_engine.api.errors import documented
from assessment_engine.api.schemas import UpcomingExam
from assessment_engine.api.services import exams as exam_service

router = APIRouter(prefix="/v1/schedule", tags=["schedule"])


@router.get("/upcoming", response_model=list[UpcomingExam], responses=documented(401, 403, 422))
async def upcoming(
    principal: Annotated[Principal, Depends(require_roles("admin", "service"))],
    ctx: Annotated[AppContext, Depends(get_context)],
    within_seconds: Annotated[float, Query(gt=0, le=30 * 86_400)] = 3600,
) -> list[UpcomingExam]:
    """Exams opening within ``within_seconds``, soonest first, with expected candidates."""
    now = ctx.now()
    return [
        UpcomingExam(
            exam_id=e.exam_id,
            title=e.title,
            opens_at=e.timing.opens_at,
            closes_at=e.timing.closes_at,
            expected_candidates=e.expected_candidates,
            seconds_until_open=(e.timing.opens_at - now).total_seconds(),
        )
        for e in await exam_service.upcoming(ctx, within_seconds)
    ]
