"""Local mode: the operator's control loop without Kubernetes, from a policy YAML file.

``run_local`` evaluates the policy every ``evaluationIntervalSeconds`` with the same reconcile
step as the Kopf timer: Prometheus in, decision record out (same Redis contract), grader workers
as local processes, Lambda concurrency on the configured endpoint. It stops when ``stop`` is
set. Used by ``assessment-engine operator local``, the local surge run, tests and the reaction
benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from autoscaler_operator.adapters.lambda_concurrency import LambdaConcurrency, lambda_client
from autoscaler_operator.adapters.local_workers import LocalWorkerPool
from autoscaler_operator.adapters.prometheus import PrometheusReader
from autoscaler_operator.adapters.publisher import DecisionPublisher
from autoscaler_operator.adapters.schedule import ScheduleReader
from autoscaler_operator.errors import InvalidPolicyError
from autoscaler_operator.metrics import OperatorMetrics
from autoscaler_operator.policy import KIND, OverflowPolicySpec, parse_policy
from autoscaler_operator.reconcile import Adapters, LoopState, Outcome, reconcile_once, release
from autoscaler_operator.settings import OperatorSettings

log = logging.getLogger(__name__)


def load_policy_document(doc: dict[str, Any]) -> tuple[str, OverflowPolicySpec]:
    """``(namespace/name, spec)`` of an OverflowPolicy document in the CRD shape."""
    if doc.get("kind", KIND) != KIND:
        raise InvalidPolicyError([f"kind must be {KIND}, got {doc.get('kind')!r}"])
    meta = doc.get("metadata") or {}
    key = f"{meta.get('namespace', 'local')}/{meta.get('name', 'default')}"
    try:
        return key, parse_policy(doc.get("spec"))
    except ValidationError as exc:
        raise InvalidPolicyError([str(exc)]) from exc


def load_policy_file(path: Path) -> tuple[str, OverflowPolicySpec]:
    return load_policy_document(yaml.safe_load(path.read_text()) or {})


def build_local_adapters(spec: OverflowPolicySpec, settings: OperatorSettings) -> Adapters:
    """Adapters for local mode: worker processes instead of a Deployment."""
    replicas = None
    if spec.replicas.enabled and settings.worker_command:
        replicas = LocalWorkerPool(
            settings.worker_command,
            redis_url=settings.redis_url,
            metrics_base_port=settings.worker_metrics_base_port,
            stop_timeout=settings.worker_stop_timeout_seconds,
        )
    concurrency = None
    if spec.lambda_.manage_concurrency and settings.lambda_endpoint_url:
        client = lambda_client(settings.lambda_endpoint_url, settings.aws_region)
        concurrency = LambdaConcurrency(client, spec.lambda_.function_name, spec.lambda_.qualifier)
    schedule = None
    if spec.prewarm.enabled and spec.prewarm.assessment_url:
        schedule = ScheduleReader(
            spec.prewarm.assessment_url, settings.assessment_token, settings.http_timeout_seconds
        )
    return Adapters(
        metrics=PrometheusReader(spec.prometheus),
        publisher=DecisionPublisher.from_url(settings.redis_url),
        replicas=replicas,
        concurrency=concurrency,
        schedule=schedule,
    )


def _log_outcome(policy_key: str, outcome: Outcome) -> None:
    decision = outcome.decision
    if decision.transition:
        log.info(
            "transition %s -> %s: %s",
            decision.previous_mode,
            decision.mode,
            "; ".join(decision.reasons),
            extra={"policy": policy_key, "generation": decision.generation},
        )
    for problem in outcome.problems:
        log.warning("action failed: %s", problem, extra={"policy": policy_key})


async def run_local(
    spec: OverflowPolicySpec,
    policy_key: str,
    settings: OperatorSettings,
    stop: asyncio.Event,
    *,
    adapters: Adapters | None = None,
    metrics: OperatorMetrics | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    release_on_stop: bool = False,
) -> LoopState:
    """Evaluate ``spec`` every interval until ``stop`` is set; returns the final loop state."""
    adapters = adapters or build_local_adapters(spec, settings)
    state = LoopState()
    interval = spec.evaluation_interval_seconds
    next_tick = time.monotonic()
    try:
        while not stop.is_set():
            outcome, state = await reconcile_once(
                policy_key, spec, adapters, state,
                schedule_refresh_seconds=settings.schedule_refresh_seconds,
            )  # fmt: skip
            _log_outcome(policy_key, outcome)
            if metrics is not None:
                metrics.observe(policy_key, outcome.decision)
            if on_outcome is not None:
                on_outcome(outcome)
            next_tick += interval
            delay = next_tick - time.monotonic()
            if delay < 0:  # fell behind: skip missed ticks instead of bursting
                next_tick = time.monotonic()
                delay = 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
    finally:
        if release_on_stop:
            for problem in await release(spec, adapters):
                log.warning("release failed: %s", problem)
        if adapters.replicas is not None:
            await adapters.replicas.close()
    return state
