"""Build the OverflowPolicy ``status`` and Event texts from a reconcile outcome (pure).

The Kopf handlers call :func:`build_status` and patch the result through ``patch.status``;
:func:`invalid_status` is what an unusable spec reports. Conditions follow metav1.Condition:
``lastTransitionTime`` only moves when a condition's status changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from autoscaler_operator.decision import Decision
from autoscaler_operator.policy import OverflowPolicySpec

_MODE_EVENTS = {
    ("cluster", "overflow"): "OverflowStarted",
    ("prewarm", "overflow"): "OverflowStarted",
    ("overflow", "cluster"): "OverflowStopped",
    ("overflow", "prewarm"): "OverflowStopped",
    ("cluster", "prewarm"): "PrewarmStarted",
    ("prewarm", "cluster"): "PrewarmEnded",
}


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def transition_reason(decision: Decision) -> str:
    """The Event reason of a mode transition, e.g. ``OverflowStarted``."""
    return _MODE_EVENTS.get((decision.previous_mode, decision.mode), "ModeChanged")


def _condition(
    previous: list[dict[str, Any]],
    kind: str,
    status: str,
    reason: str,
    message: str,
    now: datetime,
    generation: int | None,
) -> dict[str, Any]:
    old = next((c for c in previous if c.get("type") == kind), None)
    since = old["lastTransitionTime"] if old and old.get("status") == status else rfc3339(now)
    condition: dict[str, Any] = {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": since,
    }
    if generation is not None:
        condition["observedGeneration"] = generation
    return condition


def build_status(
    spec: OverflowPolicySpec,
    decision: Decision,
    problems: tuple[str, ...],
    previous: dict[str, Any] | None,
    now: datetime,
    generation: int | None,
) -> dict[str, Any]:
    """The status to patch after one evaluation."""
    previous = previous or {}
    conditions = previous.get("conditions") or []
    util = decision.utilization
    ready = _condition(
        conditions, "Ready",
        "False" if problems else "True",
        "ActionFailed" if problems else ("DryRun" if spec.dry_run else "Reconciled"),
        "; ".join(problems) if problems else "decision published and applied",
        now, generation,
    )  # fmt: skip
    metrics = _condition(
        conditions, "MetricsAvailable",
        "True" if decision.metrics_available else "False",
        "Observed" if decision.metrics_available else "MetricsUnknown",
        f"utilization {util:.3f}" if util is not None
        else "utilization query failed or returned no data (unknown, not 0)",
        now, generation,
    )  # fmt: skip
    overflowing = _condition(
        conditions, "Overflowing",
        "True" if decision.mode == "overflow" else "False",
        {"overflow": "Overflow", "cluster": "ClusterOnly", "prewarm": "Prewarm"}[decision.mode],
        "; ".join(decision.reasons),
        now, generation,
    )  # fmt: skip
    last_transition = previous.get("lastTransitionTime")
    if decision.transition or last_transition is None:
        last_transition = rfc3339(now)
    return {
        "mode": decision.mode,
        "utilization": "unknown" if util is None else f"{util:.2f}",
        "threshold": f"{spec.overflow_threshold:.2f}",
        "spilling": decision.spilling,
        "graderReplicas": decision.grader_replicas,
        "provisionedConcurrency": decision.provisioned_concurrency,
        "lastTransitionTime": last_transition,
        "decisionGeneration": decision.generation,
        "observedGeneration": generation,
        "reasons": list(decision.reasons),
        "conditions": [ready, metrics, overflowing],
    }


def invalid_status(
    problems: list[str], previous: dict[str, Any] | None, now: datetime, generation: int | None
) -> dict[str, Any]:
    """Status of a policy whose spec cannot be used: Ready=False, reason InvalidSpec."""
    conditions = (previous or {}).get("conditions") or []
    message = "; ".join(problems)
    return {
        "observedGeneration": generation,
        "reasons": problems,
        "conditions": [_condition(conditions, "Ready", "False", "InvalidSpec", message, now,
                                  generation)],
    }  # fmt: skip


def status_changed(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """Whether patching ``new`` changes anything a reader cares about."""
    ignore = {"decisionGeneration"}
    old = old or {}
    return any(new.get(k) != old.get(k) for k in new if k not in ignore)
