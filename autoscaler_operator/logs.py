"""Structured log lines of the operator process: one JSON object per line on stderr.

``configure_logging`` installs Kopf's JSON formatter on the root logger (Kopf's own lines, which
carry the Kubernetes object they are about, and ours alike). The start-up handler logs the
settings in force (:func:`log_settings`, secrets redacted), the Kopf timer one line per
evaluation (:func:`log_outcome`), and the Kubernetes adapter one line per refused API call with
its verb, resource and HTTP status (:func:`log_api_error`), so a 403 is visible in the log and
not only in status and Events. Used by ``assessment-engine operator run`` and the handlers.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from autoscaler_operator.errors import KubeApiError
from autoscaler_operator.reconcile import Outcome
from autoscaler_operator.settings import OperatorSettings

log = logging.getLogger("autoscaler_operator")


def configure_logging(*, verbose: bool = False) -> None:
    """JSON lines on stderr at INFO (DEBUG with ``verbose``) for every logger of the process."""
    kopf.configure(verbose=verbose, log_format=kopf.LogFormat.JSON)


def redact_url(url: str) -> str:
    """``url`` without its credentials (``redis://:secret@host`` -> ``redis://host``)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    return f"{scheme}://{rest.rpartition('@')[2]}"


def settings_fields(settings: OperatorSettings) -> dict[str, Any]:
    """The settings as log fields; the token is reported as present or not, never shown."""
    return {
        "redis_url": redact_url(settings.redis_url),
        "lambda_endpoint_url": settings.lambda_endpoint_url,
        "aws_region": settings.aws_region,
        "assessment_token": "set" if settings.assessment_token else None,
        "schedule_refresh_seconds": settings.schedule_refresh_seconds,
        "kube_api_url": settings.kube_api_url,
        "metrics_port": settings.metrics_port,
        "http_timeout_seconds": settings.http_timeout_seconds,
    }


def log_settings(settings: OperatorSettings, kopf_settings: kopf.OperatorSettings) -> None:
    log.info(
        "operator configured",
        extra={
            "event": "startup",
            **settings_fields(settings),
            "watch_server_timeout": kopf_settings.watching.server_timeout,
            "watch_client_timeout": kopf_settings.watching.client_timeout,
            "request_timeout": kopf_settings.networking.request_timeout,
            "finalizer": kopf_settings.persistence.finalizer,
        },
    )


def log_outcome(policy: str, outcome: Outcome) -> None:
    """One line per evaluation: the decision and what went wrong acting on it (WARNING then)."""
    decision = outcome.decision
    log.log(
        logging.WARNING if outcome.problems else logging.INFO,
        "policy evaluated",
        extra={
            "event": "reconcile",
            "policy": policy,
            "mode": decision.mode,
            "previous_mode": decision.previous_mode,
            "transition": decision.transition,
            "utilization": decision.utilization,
            "spilling": decision.spilling,
            "grader_replicas": decision.grader_replicas,
            "decision_generation": decision.generation,
            "published": outcome.published,
            "acted": outcome.acted,
            "problems": list(outcome.problems),
        },
    )


def log_api_error(error: KubeApiError) -> None:
    log.warning(
        "kubernetes API call failed",
        extra={"event": "api_error", **error.log_fields(), "detail": error.message},
    )
