"""Read-only view of the overflow decision record for the proctor console's grading panel.

Called by ``GET /v1/grading/decision``. Reads the record the operator publishes
(``overflow.decision_record``, schema in ``docs/decision-record.md``) and states the mode the
dispatchers obey now by the same reader rules (``effective_mode``). Nothing here writes.
"""

from __future__ import annotations

from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import GradingDecisionView
from assessment_engine.contracts.decision_record import effective_mode, read_decision


async def decision_view(ctx: AppContext, queue: str | None = None) -> GradingDecisionView:
    queue = queue or ctx.settings.grading_queue
    record = await read_decision(ctx.redis, queue)
    now = ctx.now()
    mode, reason = effective_mode(record, now)
    view = GradingDecisionView(
        queue=queue, present=record is not None, effective_mode=mode, effective_reason=reason
    )
    if record is None:
        return view
    return view.model_copy(
        update={
            "mode": record.mode,
            "reasons": list(record.reasons),
            "policy": record.policy,
            "generation": record.generation,
            "utilization": record.utilization,
            "max_lambda_concurrency": record.max_lambda_concurrency,
            "issued_at": record.issued_at,
            "valid_until": record.valid_until,
            "expired": record.is_expired(now),
            "dry_run": record.dry_run,
        }
    )
