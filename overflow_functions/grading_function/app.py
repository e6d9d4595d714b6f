"""Lambda entry point of the grading function: parse the event, grade the batch, map the result.

``lambda_handler`` is what SAM's ``Handler`` names and what the local Lambda service's
awslambdaric processes import. Init (this module's import) is timed by phase in
``startup.InitTimer`` and logged once by the environment's first invocation (``init phases``);
settings are parsed once here; the code sandbox starts as ``GRADING_FUNCTION_SANDBOX_START``
says (default ``background``: in a thread during init, so init does not wait for it) and the
SnapStart hooks keep its zygotes out of the snapshot. A batch that is not a batch raises (the
invoke fails as ``Unhandled``), per-item problems come back as ``failures``.
"""

from __future__ import annotations

from overflow_functions.grading_function.startup import (
    InitTimer,
    SandboxStarter,
    register_snapstart_hooks,
)

timer = InitTimer()
with timer.phase("imports"):
    from typing import TYPE_CHECKING, Any

    from assessment_engine.contracts.grading_batch import GradingBatch
    from overflow_functions.grading_function.grading import BatchGrader
    from overflow_functions.grading_function.settings import FunctionSettings
with timer.phase("powertools"):
    from overflow_functions.grading_function.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = FunctionSettings()
grader = BatchGrader(settings)
starter = SandboxStarter(settings.sandbox_start, grader.warm_sandbox)
grader.before_code = starter.ready
with timer.phase("sandbox"):
    starter.start()
register_snapstart_hooks(timer, starter, grader.drain_sandbox)
timer.end()
_first_invocation = True


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _first_invocation
    if _first_invocation:
        _first_invocation = False
        logger.info("init phases", extra=timer.report())
    batch = GradingBatch.model_validate(event)
    grader.register_context(context)
    return grader.grade_batch(batch).model_dump(mode="json")
