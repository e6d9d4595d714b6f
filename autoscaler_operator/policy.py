"""The ``OverflowPolicy`` custom resource as pydantic models (spec and status).

The CRD's openAPIV3Schema is generated from these models (``autoscaler_operator.crd``), so the
field descriptions here are what ``kubectl explain overflowpolicy.spec`` prints. The Kopf
handlers and local mode parse a policy body with :func:`parse_policy`; the decision engine reads
the parsed :class:`OverflowPolicySpec`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

GROUP = "overflow.exams.dev"
VERSION = "v1alpha1"
KIND = "OverflowPolicy"
PLURAL = "overflowpolicies"
SINGULAR = "overflowpolicy"
SHORT_NAMES = ("ofp",)
FINALIZER = f"{GROUP}/finalizer"

CLUSTER_UTILIZATION_QUERY = (
    'sum(rate(container_cpu_usage_seconds_total{namespace="exams",container="grader"}[1m]))'
    ' / sum(kube_pod_container_resource_requests{namespace="exams",container="grader",'
    'resource="cpu"})'
)
LOCAL_UTILIZATION_QUERY = "avg(assessment_worker_busy_ratio)"
OLDEST_PENDING_AGE_QUERY = "max(assessment_grading_oldest_pending_age_seconds)"
QUEUE_LENGTH_QUERY = "sum(assessment_grading_queue_length)"

OutageBehavior = Literal["hold", "cluster", "overflow"]


class _Spec(BaseModel):
    """Base: camelCase on the wire (CRD shape), snake_case in Python, unknown keys rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class TargetRef(_Spec):
    """The in-cluster grader workload the operator scales."""

    deployment: str = Field(
        default="grader",
        min_length=1,
        max_length=253,
        description="Name of the grader Deployment in the policy's namespace.",
    )
    hpa_name: str | None = Field(
        default=None,
        max_length=253,
        description=(
            "Name of a HorizontalPodAutoscaler that owns the Deployment. When set, the operator "
            "raises the HPA's minReplicas instead of writing spec.replicas, so it never fights "
            "the HPA."
        ),
    )


class PrometheusSpec(_Spec):
    """Where and how utilization and queue state are read (PromQL instant queries)."""

    url: str = Field(
        default="http://prometheus.monitoring.svc:9090",
        min_length=1,
        description="Base URL of the Prometheus HTTP API, e.g. http://prometheus:9090.",
    )
    utilization_query: str = Field(
        default=CLUSTER_UTILIZATION_QUERY,
        min_length=1,
        description=(
            "PromQL returning one number: grader utilization as a ratio of 0..1. Default (real "
            "cluster): grader CPU usage over CPU requests. Local stack: "
            f"{LOCAL_UTILIZATION_QUERY}. An empty result or an error means unknown, never 0."
        ),
    )
    oldest_pending_age_query: str | None = Field(
        default=OLDEST_PENDING_AGE_QUERY,
        description=(
            "PromQL returning the age in seconds of the oldest pending grading job; used for "
            "queue-aware spilling. Null disables it."
        ),
    )
    queue_length_query: str | None = Field(
        default=QUEUE_LENGTH_QUERY,
        description="PromQL returning the grading queue length (reported in status and reasons).",
    )
    timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="Timeout of one Prometheus query, in seconds."
    )


class StabilizationSpec(_Spec):
    """Dwell times that keep the mode from flapping (hysteresis in time)."""

    enter_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description=(
            "Utilization must stay at or above overflowThreshold (or the queue stay too old) for "
            "this long before overflow starts. 0 reacts to the first hot sample."
        ),
    )
    leave_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description=(
            "Utilization must stay below releaseThreshold for this long before overflow stops."
        ),
    )


class ScalingRule(_Spec):
    """Step limits for one direction, like an HPA behavior rule (selectPolicy Max)."""

    pods: int = Field(
        default=4, ge=0, description="At most this many replicas added/removed per period."
    )
    percent: int = Field(
        default=100,
        ge=0,
        le=1000,
        description="Or at most this percentage of the replicas at the period start (larger wins).",
    )
    period_seconds: float = Field(
        default=15.0, gt=0, le=1800, description="Length of the period the limits apply to."
    )


class ReplicasSpec(_Spec):
    """Grader replica bounds and scaling behaviour (the HPA formula with tolerance)."""

    min: int = Field(default=1, ge=0, description="Lower bound on grader replicas.")
    max: int = Field(default=10, ge=1, description="Upper bound on grader replicas.")
    target_utilization: float = Field(
        default=0.60,
        gt=0,
        le=1,
        description=(
            "Utilization the grader replicas are sized for: desired = ceil(current * "
            "utilization / targetUtilization)."
        ),
    )
    tolerance: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="No scaling while |utilization / targetUtilization - 1| <= tolerance.",
    )
    scale_up: ScalingRule = Field(
        default_factory=ScalingRule, description="Step limit when adding replicas."
    )
    scale_down: ScalingRule = Field(
        default_factory=ScalingRule,
        description="Step limit when removing replicas.",
    )
    scale_down_stabilization_seconds: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description=(
            "Scale down only to the highest recommendation seen in this window (HPA default 300)."
        ),
    )
    enabled: bool = Field(
        default=True, description="Scale the grader Deployment; false leaves replicas alone."
    )


class LambdaSpec(_Spec):
    """The Lambda grading function the overflow spills to."""

    function_name: str = Field(
        default="exam-grader", min_length=1, description="Lambda function name or ARN."
    )
    qualifier: str | None = Field(
        default="live", description="Alias (or version) invoked and provisioned, e.g. live."
    )
    max_concurrency: int = Field(
        default=50,
        ge=0,
        le=10000,
        description=(
            "Reserved concurrency of the function and the cap on concurrent invocations across "
            "dispatchers while overflowing."
        ),
    )
    batch_size: int = Field(
        default=10, ge=1, le=100, description="Submissions graded per invocation."
    )
    manage_concurrency: bool = Field(
        default=True,
        description="Set reserved and provisioned concurrency through the Lambda API.",
    )


class QueueSpillSpec(_Spec):
    """Queue-aware spilling: spill when grading falls behind its latency objective."""

    enabled: bool = Field(default=True, description="Also spill on queue age.")
    latency_objective_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Spill when the oldest pending grading job is at least this old.",
    )


class PrewarmSpec(_Spec):
    """Schedule-aware pre-warm ahead of exams read from the assessment service."""

    enabled: bool = Field(default=True, description="Pre-warm before scheduled exams.")
    assessment_url: str | None = Field(
        default=None,
        description=(
            "Base URL of the assessment service; the schedule is read from "
            "GET {assessmentUrl}/v1/schedule/upcoming?within_seconds=N. Null disables pre-warm."
        ),
    )
    lead_time_seconds: float = Field(
        default=300.0,
        ge=0,
        le=86400,
        description="Raise capacity this long before an exam opens (AWS predictive default 300).",
    )
    hold_after_start_seconds: float = Field(
        default=600.0,
        ge=0,
        le=86400,
        description="Keep the pre-warmed capacity this long after the exam opens, then release.",
    )
    candidates_per_replica: int = Field(
        default=50, ge=1, description="Expected candidates one grader replica serves."
    )
    candidates_per_lambda: int = Field(
        default=20,
        ge=1,
        description="Expected candidates per provisioned Lambda execution environment.",
    )


class OutageSpec(_Spec):
    """What to do while utilization is unknown (query error or empty result)."""

    behavior: OutageBehavior = Field(
        default="hold",
        description=(
            "After gracePeriodSeconds without a utilization sample: hold (keep the last mode), "
            "cluster (stop spilling) or overflow (spill). Also the decision's on_expiry."
        ),
    )
    grace_period_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="Keep the last mode this long after the last good sample.",
    )


class OverflowPolicySpec(_Spec):
    """Desired overflow behaviour for one grading queue and its grader Deployment."""

    queue: str = Field(
        default="grading", min_length=1, description="Grading queue whose decision is published."
    )
    target: TargetRef = Field(default_factory=TargetRef, description=TargetRef.__doc__ or "")
    prometheus: PrometheusSpec = Field(
        default_factory=PrometheusSpec, description=PrometheusSpec.__doc__ or ""
    )
    overflow_threshold: float = Field(
        default=0.70,
        gt=0,
        le=1,
        description="Enter overflow at utilization >= this ratio (sustained, see stabilization).",
    )
    release_threshold: float = Field(
        default=0.60,
        ge=0,
        lt=1,
        description="Leave overflow below this ratio (sustained); must be < overflowThreshold.",
    )
    stabilization: StabilizationSpec = Field(
        default_factory=StabilizationSpec, description=StabilizationSpec.__doc__ or ""
    )
    evaluation_interval_seconds: float = Field(
        default=2.0, ge=0.2, le=300, description="How often the policy is evaluated."
    )
    replicas: ReplicasSpec = Field(
        default_factory=ReplicasSpec, description=ReplicasSpec.__doc__ or ""
    )
    lambda_: LambdaSpec = Field(
        default_factory=LambdaSpec, alias="lambda", description=LambdaSpec.__doc__ or ""
    )
    queue_spill: QueueSpillSpec = Field(
        default_factory=QueueSpillSpec, description=QueueSpillSpec.__doc__ or ""
    )
    prewarm: PrewarmSpec = Field(default_factory=PrewarmSpec, description=PrewarmSpec.__doc__ or "")
    outage: OutageSpec = Field(default_factory=OutageSpec, description=OutageSpec.__doc__ or "")
    decision_ttl_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        description=(
            "Published decisions expire this long after issue; dispatchers then apply "
            "outage.behavior. Keep it well above evaluationIntervalSeconds."
        ),
    )
    dry_run: bool = Field(
        default=False,
        description=(
            "Compute and report decisions (status, Events, a dry_run decision record) without "
            "scaling, setting Lambda concurrency or making dispatchers spill."
        ),
    )

    @model_validator(mode="after")
    def _check_relations(self) -> OverflowPolicySpec:
        problems = spec_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


# CEL rules mirrored in the CRD (x-kubernetes-validations) and checked by the model above.
CEL_RULES: tuple[tuple[str, str], ...] = (
    (
        "!has(self.releaseThreshold) || !has(self.overflowThreshold) || "
        "self.releaseThreshold < self.overflowThreshold",
        "releaseThreshold must be below overflowThreshold",
    ),
)
REPLICAS_CEL_RULES: tuple[tuple[str, str], ...] = (
    ("!has(self.min) || !has(self.max) || self.min <= self.max", "min must not exceed max"),
)


def spec_problems(spec: OverflowPolicySpec) -> list[str]:
    """Cross-field problems of a spec (the CEL rules, plus what CEL cannot see with defaults)."""
    problems: list[str] = []
    if spec.release_threshold >= spec.overflow_threshold:
        problems.append(
            f"releaseThreshold {spec.release_threshold} must be below overflowThreshold "
            f"{spec.overflow_threshold}"
        )
    if spec.replicas.min > spec.replicas.max:
        problems.append(
            f"replicas.min {spec.replicas.min} must not exceed replicas.max {spec.replicas.max}"
        )
    return problems


class Condition(BaseModel):
    """A standard Kubernetes condition (metav1.Condition fields)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    type: str = Field(description="Ready, MetricsAvailable or Overflowing.")
    status: Literal["True", "False", "Unknown"] = Field(description="True, False or Unknown.")
    reason: str = Field(description="CamelCase machine-readable reason.")
    message: str = Field(default="", description="Human-readable details.")
    last_transition_time: str = Field(description="When status last changed (RFC 3339).")
    observed_generation: int | None = Field(
        default=None, description="metadata.generation the condition was computed from."
    )


class OverflowPolicyStatus(BaseModel):
    """Observed state written by the operator."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    mode: Literal["cluster", "overflow", "prewarm"] | None = Field(
        default=None, description="Current mode: cluster, overflow or prewarm."
    )
    utilization: str | None = Field(
        default=None, description="Last utilization as a string ratio; 'unknown' in an outage."
    )
    threshold: str | None = Field(default=None, description="overflowThreshold in effect.")
    spilling: bool | None = Field(default=None, description="Dispatchers are spilling to Lambda.")
    grader_replicas: int | None = Field(default=None, description="Grader replicas requested.")
    provisioned_concurrency: int | None = Field(
        default=None, description="Lambda provisioned concurrency requested."
    )
    last_transition_time: str | None = Field(
        default=None, description="When the mode last changed (RFC 3339)."
    )
    last_evaluation_time: str | None = Field(
        default=None, description="When the policy was last evaluated (RFC 3339)."
    )
    decision_generation: int | None = Field(
        default=None, description="Generation of the last published decision record."
    )
    observed_generation: int | None = Field(
        default=None, description="metadata.generation of the spec last evaluated."
    )
    reasons: list[str] = Field(default_factory=list, description="Why the mode is what it is.")
    conditions: list[Condition] = Field(
        default_factory=list, description="Ready, MetricsAvailable and Overflowing conditions."
    )


def parse_policy(spec: dict[str, Any] | None) -> OverflowPolicySpec:
    """Parse a CRD ``spec`` (camelCase) into the model; raises pydantic ``ValidationError``."""
    return OverflowPolicySpec.model_validate(spec or {})


def spec_to_wire(spec: OverflowPolicySpec) -> dict[str, Any]:
    """The spec as the CRD shape (camelCase keys), e.g. for example manifests."""
    return spec.model_dump(mode="json", by_alias=True)
