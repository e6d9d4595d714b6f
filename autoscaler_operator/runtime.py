"""Per-policy runtime of the Kopf operator: the adapters built for a spec and the loop state.

``build_adapters`` wires the Kubernetes-side adapters (Deployment/HPA scaler, Lambda concurrency,
schedule reader, the shared Redis publisher) for one policy; ``validation_problems`` turns a
pydantic error into the lines shown in status and Events. Used by ``autoscaler_operator.handlers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from autoscaler_operator.adapters.kube_api import api_client
from autoscaler_operator.adapters.kube_replicas import DeploymentScaler
from autoscaler_operator.adapters.lambda_concurrency import LambdaConcurrency, lambda_client
from autoscaler_operator.adapters.prometheus import PrometheusReader
from autoscaler_operator.adapters.publisher import DecisionPublisher
from autoscaler_operator.adapters.schedule import ScheduleReader
from autoscaler_operator.policy import OverflowPolicySpec
from autoscaler_operator.reconcile import Adapters, LoopState
from autoscaler_operator.settings import OperatorSettings


@dataclass
class PolicyRuntime:
    key: str
    spec: OverflowPolicySpec
    adapters: Adapters
    state: LoopState


def validation_problems(exc: ValidationError) -> list[str]:
    """One line per problem, with the camelCase field path as in the manifest."""
    lines = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"spec.{path}: {message}" if path else f"spec: {message}")
    return lines


def build_adapters(
    spec: OverflowPolicySpec, namespace: str, settings: OperatorSettings, shared: Any
) -> Adapters:
    """Adapters for one policy; ``shared`` (Kopf memo) holds the process-wide publisher."""
    publisher: DecisionPublisher | None = getattr(shared, "publisher", None)
    if publisher is None:
        publisher = DecisionPublisher.from_url(settings.redis_url)
    replicas = None
    if spec.replicas.enabled:
        replicas = DeploymentScaler(
            api_client(settings.kube_api_url), namespace, spec.target.deployment,
            spec.target.hpa_name,
        )  # fmt: skip
    concurrency = None
    if spec.lambda_.manage_concurrency:
        client = lambda_client(settings.lambda_endpoint_url, settings.aws_region)
        concurrency = LambdaConcurrency(client, spec.lambda_.function_name, spec.lambda_.qualifier)
    schedule = None
    if spec.prewarm.enabled and spec.prewarm.assessment_url:
        schedule = ScheduleReader(
            spec.prewarm.assessment_url, settings.assessment_token, settings.http_timeout_seconds
        )
    return Adapters(
        metrics=PrometheusReader(spec.prometheus),
        publisher=publisher,
        replicas=replicas,
        concurrency=concurrency,
        schedule=schedule,
    )
