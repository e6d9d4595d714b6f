"""Route ``/v1/grading/decision``: the overflow decision record, read-only, for the console.

Proctors see whether grading runs on the cluster or spills to Lambda and why; the record is
the operator's (``docs/decision-record.md``); this route never changes it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment_engine.api.auth import Principal, require_roles
from assessment_engine.api.context import AppContext, get_context
from assessment_engine.api.errors import documented
from assessment_engine.api.schemas import GradingDecisionView
from assessment_engine.api.services.grading_status import decision_view

router = APIRouter(prefix="/v1/grading", tags=["grading"])


@router.get("/decision", response_model=GradingDecisionView, responses=documented(401, 403, 503))
async def grading_decision(
    principal: Annotated[Principal, Depends(require_roles("proctor", "admin", "service"))],
    ctx: Annotated[AppContext, Depends(get_context)],
    queue: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")] = None,
) -> GradingDecisionView:
    """Mode, reasons and validity of the queue's decision (default: the API's grading queue)."""
    return await decision_view(ctx, queue)
