"""Lambda entry point of the grading function: parse the event, grade the batch, map the result.

``lambda_handler`` is what SAM's ``Handler`` names and what the local Lambda service's
awslambdaric processes import. Settings are parsed once at cold start, where the code sandbox
is also started (``GRADING_FUNCTION_WARM_SANDBOX``, default on); a batch that is not a batch
raises (the invoke fails as ``Unhandled``), per-item problems come back as ``failures``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from assessment_engine.contracts.grading_batch import GradingBatch
from overflow_functions.grading_function.grading import BatchGrader
from overflow_functions.grading_function.observability import logger, metrics, tracer
from overflow_functions.grading_function.settings import FunctionSettings

settings = FunctionSettings()
grader = BatchGrader(settings)
if settings.warm_sandbox:
    grader.warm_sandbox()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    batch = GradingBatch.model_validate(event)
    grader.register_context(context)
    return grader.grade_batch(batch).model_dump(mode="json")
