"""Thin Kopf handlers for OverflowPolicy: configure, log in, evaluate on a timer, release on delete.

Each handler parses its input, calls one domain function (``reconcile_once``, ``release``,
``build_status``) and maps the result to the status subresource (through
``adapters.kube_status``, which fails fast, so an unreachable API server never stalls the
decisions published to Redis) and Kubernetes Events. State kept
between timer runs (the engine's dwell timers) lives in Kopf's per-object ``memo``. Loaded by
``autoscaler_operator.runner`` and by ``kopf run -m autoscaler_operator.handlers``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import kopf
from pydantic import ValidationError

from autoscaler_operator.adapters.kube_api import api_client
from autoscaler_operator.adapters.kube_status import StatusWriter
from autoscaler_operator.adapters.publisher import DecisionPublisher
from autoscaler_operator.errors import AdapterError
from autoscaler_operator.logs import log_outcome, log_settings
from autoscaler_operator.metrics import OperatorMetrics
from autoscaler_operator.policy import FINALIZER, GROUP, PLURAL, VERSION, parse_policy
from autoscaler_operator.reconcile import LoopState, reconcile_once, release
from autoscaler_operator.runtime import PolicyRuntime, build_adapters, validation_problems
from autoscaler_operator.settings import OperatorSettings
from autoscaler_operator.status import (
    build_status,
    invalid_status,
    status_changed,
    transition_reason,
)

TICK_SECONDS = 0.5  # the timer ticks this often; each policy runs at its own interval


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """Validate our settings, set every Kopf timeout explicitly, log what is in force."""
    operator = OperatorSettings()
    memo.operator_settings = operator
    memo.metrics = OperatorMetrics()
    memo.counters = {"evaluations": 0}  # shared by the per-object memo copies
    memo.publisher = DecisionPublisher.from_url(operator.redis_url)
    memo.status_writer = StatusWriter(api_client(operator.kube_api_url))
    if operator.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(operator.metrics_port, registry=memo.metrics.registry)
    settings.watching.server_timeout = 300  # the API server ends each watch after 5 min
    settings.watching.client_timeout = 330  # we give up a little later than the server
    settings.watching.connect_timeout = 10
    settings.watching.reconnect_backoff = 1.0
    settings.watching.inactivity_timeout = 600
    settings.networking.request_timeout = 30
    settings.networking.connect_timeout = 10
    settings.queueing.worker_limit = 50
    settings.queueing.idle_timeout = 10
    settings.queueing.exit_timeout = 5
    settings.posting.enabled = True
    settings.posting.level = logging.INFO
    settings.posting.reporting_component = "overflow-operator"
    settings.peering.standalone = True  # one replica (Recreate); no peering objects needed
    settings.peering.mandatory = False
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=GROUP, key="last-handled-configuration"
    )
    settings.execution.max_workers = 8
    settings.background.cancellation_polling = 5
    settings.background.instant_exit_timeout = 5
    log_settings(operator, settings)


@kopf.on.cleanup()
async def cleanup(memo: kopf.Memo, **_: Any) -> None:
    publisher = getattr(memo, "publisher", None)
    if publisher is not None:
        await publisher.close()


@kopf.on.login()
def login(logger: kopf.Logger, **kwargs: Any) -> kopf.ConnectionInfo | None:
    """An explicit API URL (``OPERATOR_KUBE_API_URL``) wins; else in-cluster or kubeconfig."""
    url = OperatorSettings().kube_api_url
    if url:
        return kopf.ConnectionInfo(server=url, insecure=True)
    return kopf.login_via_client(logger=logger, **kwargs)


@kopf.on.probe(id="evaluations")
def evaluations(memo: kopf.Memo, **_: Any) -> int:
    """Liveness payload: how many evaluations this process has made."""
    counters: dict[str, int] = getattr(memo, "counters", {})
    return counters.get("evaluations", 0)


def _runtime(memo: Any, key: str, spec: Any, namespace: str) -> PolicyRuntime:
    runtime: PolicyRuntime | None = getattr(memo, "runtime", None)
    if runtime is None or runtime.spec != spec:
        adapters = build_adapters(spec, namespace, memo.operator_settings, memo)
        state = runtime.state if runtime is not None else LoopState()
        runtime = PolicyRuntime(key=key, spec=spec, adapters=adapters, state=state)
        memo.runtime = runtime
    return runtime


@kopf.timer(GROUP, VERSION, PLURAL, interval=TICK_SECONDS, initial_delay=0)
async def evaluate(
    spec: kopf.Spec,
    name: str,
    namespace: str | None,
    body: kopf.Body,
    meta: kopf.Meta,
    status: kopf.Status,
    memo: Any,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    """Level-based reconcile: evaluate the policy when its interval has elapsed."""
    now = datetime.now(UTC)
    generation = meta.get("generation")
    try:
        policy = parse_policy(dict(spec))
    except ValidationError as exc:
        problems = validation_problems(exc)
        new = invalid_status(problems, _previous(memo, status), now, generation)
        if memo.get("invalid_generation") != generation:
            memo.invalid_generation = generation
            kopf.warn(body, reason="InvalidSpec", message="; ".join(problems)[:1000])
            logger.warning("invalid spec: %s", problems)
        await _write_status(memo, namespace or "default", name, new, dict(status))
        return
    memo.invalid_generation = None
    last = memo.get("last_evaluated")
    if (
        last is not None
        and (now - last).total_seconds() < policy.evaluation_interval_seconds - 0.05
    ):
        return
    memo.last_evaluated = now
    runtime = _runtime(memo, f"{namespace}/{name}", policy, namespace or "default")
    outcome, runtime.state = await reconcile_once(
        runtime.key, policy, runtime.adapters, runtime.state,
        schedule_refresh_seconds=memo.operator_settings.schedule_refresh_seconds,
    )  # fmt: skip
    memo.counters["evaluations"] += 1
    log_outcome(runtime.key, outcome)
    memo.metrics.observe(runtime.key, outcome.decision)
    decision = outcome.decision
    if decision.transition:
        message = f"{decision.previous_mode} -> {decision.mode}: " + "; ".join(decision.reasons)
        kopf.info(body, reason=transition_reason(decision), message=message[:1000])
    if outcome.problems and outcome.problems != memo.get("last_problems"):
        kopf.warn(body, reason="ActionFailed", message="; ".join(outcome.problems)[:1000])
    memo.last_problems = outcome.problems
    new = build_status(policy, decision, outcome.problems, _previous(memo, status), now, generation)
    await _write_status(memo, namespace or "default", name, new, dict(status))


def _previous(memo: Any, status: Mapping[str, Any]) -> dict[str, Any]:
    """The status last written by this process (Kopf's copy lags while a watch reconnects)."""
    written: dict[str, Any] | None = memo.get("written_status")
    return written if written is not None else dict(status)


async def _write_status(
    memo: Any, namespace: str, name: str, new: dict[str, Any], stored: dict[str, Any]
) -> None:
    """Write ``new`` unless the stored status already says it; a failure waits for the next run."""
    if not status_changed(new, stored) and not status_changed(new, _previous(memo, stored)):
        return
    try:
        await memo.status_writer.write(namespace, name, new)
    except AdapterError:
        return  # logged by the adapter; the next evaluation writes the then-current status
    memo.written_status = new


@kopf.on.delete(GROUP, VERSION, PLURAL)
async def released(
    spec: kopf.Spec, namespace: str | None, body: kopf.Body, memo: Any, **_: Any
) -> None:
    """Finalizer: reset Lambda concurrency and clear the decision record."""
    try:
        policy = parse_policy(dict(spec))
    except ValidationError:
        return  # an invalid policy never acted on anything
    adapters = build_adapters(policy, namespace or "default", memo.operator_settings, memo)
    problems = await release(policy, adapters)
    if problems:
        raise kopf.TemporaryError("; ".join(problems), delay=5)
    kopf.info(body, reason="Released", message="Lambda concurrency reset; decision cleared")
