"""Student route ``/v1/students/me/exams``: the exams whose roster names the caller.

Thin: the caller's subject is the only student it can name; entries are student views
(window, time limit, display-zone times) with the caller's attempt state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from assessment_engine.api.auth import Principal, require_roles
from assessment_engine.api.context import AppContext, get_context
from assessment_engine.api.errors import documented
from assessment_engine.api.schemas import StudentExamEntry
from assessment_engine.api.services.my_exams import my_exams

router = APIRouter(prefix="/v1/students/me", tags=["student"])


@router.get("/exams", response_model=list[StudentExamEntry], responses=documented(401, 403, 503))
async def list_my_exams(
    principal: Annotated[Principal, Depends(require_roles("student"))],
    ctx: Annotated[AppContext, Depends(get_context)],
) -> list[StudentExamEntry]:
    """My exams, soonest opening first, with my attempt's state and whether results are out."""
    return await my_exams(ctx, principal)
