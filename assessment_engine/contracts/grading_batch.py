"""The grading-batch wire format: the Lambda invoke payload and the function's response.

One definition for both sides: the dispatcher (``assessment_engine.overflow.batch``) builds
``GradingBatch`` payloads from queued work and reads ``BatchResponse`` entries back; the grading
function (``overflow_functions.grading_function``) parses the same models. A batch event is
``{"items": [GradingItem, ...]}``; items are validated one by one so that one malformed item
becomes a failure entry instead of failing the whole batch. The response is
``{"results": [ItemResult], "failures": [ItemFailure], "sandbox": SandboxInfo | null}``;
``sandbox`` names the isolation layer code questions ran on (null when the batch had none). The
dispatcher reads only ``results`` and ``failures``; grades never depend on the layer.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from assessment_engine.grading.models import Question


class GradingItem(BaseModel):
    """One submission to grade, with the full questions of its key version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    submission_id: str = Field(min_length=1)
    exam_id: str = Field(min_length=1)
    key_version: int = Field(ge=1)
    question_ids: list[str]
    answers: dict[str, JsonValue]
    questions: Mapping[str, Question]


class GradingBatch(BaseModel):
    """The invoke payload: raw items, validated individually by the handler."""

    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, JsonValue]] = Field(
        description="May be empty: an empty batch grades nothing and answers empty lists (a "
        "cheap warm-up or smoke invoke, as in docs/local-lambda.md)."
    )


class ItemResult(BaseModel):
    submission_id: str
    key_version: int
    grader_version: str
    grade: dict[str, JsonValue] = Field(description="SubmissionGrade as JSON.")


class ItemFailure(BaseModel):
    submission_id: str
    error_type: str
    message: str


class SandboxInfo(BaseModel):
    """The code sandbox of this execution environment, as detected once at its start."""

    layer: str = Field(description="'rlimit' in Lambda (no namespaces), else 'namespaces'.")
    seccomp: bool
    reason: str = Field(description="Why no stronger layer, e.g. 'AWS Lambda: namespaces ...'.")


class BatchResponse(BaseModel):
    results: list[ItemResult] = Field(default_factory=list)
    failures: list[ItemFailure] = Field(default_factory=list)
    sandbox: SandboxInfo | None = Field(
        default=None, description="Set when an item of the batch had a code question."
    )
