"""Grades one batch: validate each item, grade it with the pure grader, collect failures.

Called by ``app.lambda_handler`` only. No Redis, no network (except the optional idempotency
table): pure in, grades out, so a spilled submission gets exactly the score a cluster worker
gives. Code questions run the student's program in ``assessment_engine.sandbox`` (child
processes of this environment; in Lambda on the rlimit layer, as no namespaces are allowed
there); the response's ``sandbox`` says which layer. A sandbox failure is that item's failure,
so the dispatcher hands the submission back to the cluster. Idempotency key: (submission_id,
key_version, grader_version) — with a DynamoDB table the stored result is returned on a repeat;
without one the grade is recomputed, deterministically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, ValidationError

from assessment_engine.contracts.grading_batch import (
    BatchResponse,
    GradingBatch,
    GradingItem,
    ItemFailure,
    ItemResult,
    SandboxInfo,
)
from assessment_engine.grading import GRADER_VERSION
from assessment_engine.grading.submission import grade_submission
from assessment_engine.sandbox import SandboxError, default_pool
from overflow_functions.grading_function.errors import BatchTooLargeError
from overflow_functions.grading_function.observability import logger, metrics, tracer
from overflow_functions.grading_function.settings import FunctionSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

MAX_MESSAGE = 300


class GradeRequest(BaseModel):
    """What the idempotent step hashes: the key fields and the item itself."""

    model_config = ConfigDict(frozen=True)

    submission_id: str
    key_version: int
    grader_version: str
    item: GradingItem


def grade_item(request: GradeRequest) -> ItemResult:
    """Grade one submission with the pure grader (deterministic)."""
    item = request.item
    grade = grade_submission(item.questions, item.answers, item.question_ids)
    return ItemResult(
        submission_id=item.submission_id,
        key_version=item.key_version,
        grader_version=request.grader_version,
        grade=grade.model_dump(mode="json"),
    )


def sandbox_info() -> SandboxInfo | None:
    """The code sandbox of this environment (started on first use), or None if it cannot run."""
    try:
        pool = default_pool()
    except (SandboxError, OSError):
        logger.exception("code sandbox unavailable; code questions fail per item")
        return None
    return SandboxInfo(layer=pool.layer, seccomp=pool.seccomp, reason=pool.reason)


def has_code_questions(item: GradingItem) -> bool:
    return any(question.type == "code" for question in item.questions.values())


class BatchGrader:
    """Built once per environment (cold start) from the settings."""

    def __init__(self, settings: FunctionSettings) -> None:
        self.settings = settings
        self.idempotency: IdempotencyConfig | None = None
        self._grade: Callable[..., ItemResult] = lambda request: grade_item(request)
        self.before_code: Callable[[], None] = lambda: None
        """Called before the first code item of a batch (``startup.SandboxStarter.ready``)."""
        if settings.idempotency_table:
            # imported only when configured: boto3 + the persistence layer add ~0.3 s to init
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )
            from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
                PydanticSerializer,
            )

            self.idempotency = IdempotencyConfig(
                event_key_jmespath="[submission_id, key_version, grader_version]",
                expires_after_seconds=settings.idempotency_ttl_seconds,
            )
            store = DynamoDBPersistenceLayer(
                table_name=settings.idempotency_table, boto3_client=_dynamodb_client(settings)
            )
            self._grade = idempotent_function(
                data_keyword_argument="request",
                persistence_store=store,
                config=self.idempotency,
                output_serializer=PydanticSerializer(model=ItemResult),
            )(grade_item)

    def warm_sandbox(self) -> SandboxInfo | None:
        """Start the code sandbox's zygotes now (called once at cold start when configured)."""
        info = sandbox_info()
        if info is None:
            return None
        try:
            default_pool().warm()
        except (SandboxError, OSError):
            logger.exception("code sandbox zygotes did not start; they start on first use")
            return None
        logger.info("code sandbox ready", extra=info.model_dump())
        return info

    def drain_sandbox(self) -> None:
        """Close the sandbox's idle zygotes (before a SnapStart snapshot); the pool stays usable."""
        default_pool().drain()

    def register_context(self, context: Any) -> None:
        if self.idempotency is not None:
            self.idempotency.register_lambda_context(context)

    @tracer.capture_method
    def grade_batch(self, batch: GradingBatch) -> BatchResponse:
        if len(batch.items) > self.settings.max_batch_size:
            raise BatchTooLargeError(f"batch larger than {self.settings.max_batch_size} items")
        response = BatchResponse()
        ran_code = False
        for raw in batch.items:
            submission_id = str(raw.get("submission_id", ""))
            logger.set_correlation_id(submission_id or None)
            started = time.perf_counter()
            try:
                item = GradingItem.model_validate(raw)
                request = GradeRequest(
                    submission_id=item.submission_id,
                    key_version=item.key_version,
                    grader_version=GRADER_VERSION,
                    item=item,
                )
                if not ran_code and has_code_questions(item):
                    self.before_code()
                    ran_code = True
                result = self._grade(request=request)
            except Exception as exc:
                failure = ItemFailure(
                    submission_id=submission_id,
                    error_type=type(exc).__name__,
                    message=_safe_message(exc),
                )
                response.failures.append(failure)
                logger.warning("item failed", extra={"error_type": failure.error_type})
                continue
            response.results.append(result)
            elapsed_ms = (time.perf_counter() - started) * 1000
            metrics.add_metric("GradingDuration", MetricUnit.Milliseconds, elapsed_ms)
            logger.info("graded", extra={"exam_id": item.exam_id, "key_version": item.key_version})
        logger.set_correlation_id(None)
        if ran_code:
            response.sandbox = sandbox_info()
        metrics.add_metric("SubmissionsGraded", MetricUnit.Count, len(response.results))
        metrics.add_metric("ItemFailures", MetricUnit.Count, len(response.failures))
        return response


def _safe_message(exc: Exception) -> str:
    """Describe an error without echoing inputs (questions carry answer keys)."""
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)[:5]
        ]
        return "; ".join(parts)[:MAX_MESSAGE]
    return str(exc)[:MAX_MESSAGE]


def _dynamodb_client(settings: FunctionSettings) -> Any:
    import boto3

    return boto3.client("dynamodb", endpoint_url=settings.dynamodb_endpoint_url)
