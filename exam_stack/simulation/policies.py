"""Candidate policy sets for the simulator: the default comparison and YAML files of overrides.

A policy file is YAML: a list of ``{name: ..., overflow: true|false, spec: {<OverflowPolicy spec
fields, camelCase>}}``. Each spec is validated by the operator's own model, so a policy that the
simulator accepts is one ``kubectl apply`` accepts too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from exam_stack.simulation.controller import OperatorController, policy_from_overrides


def platform_base(replicas_min: int = 20, replicas_max: int = 60) -> dict[str, Any]:
    """Spec fields sized for a platform-scale cluster (the CRD defaults fit a small one)."""
    return {
        "evaluationIntervalSeconds": 2,
        "replicas": {
            "min": replicas_min,
            "max": replicas_max,
            "scaleUp": {"pods": 20, "percent": 100, "periodSeconds": 15},
        },
        "lambda": {
            "functionName": "exam-grader",
            "qualifier": "live",
            "maxConcurrency": 800,
            "batchSize": 10,
        },
        "prewarm": {"enabled": False},
    }


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = (
            _merge(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def default_candidates(base: dict[str, Any]) -> list[OperatorController]:
    """Cluster only, thresholds 0.6/0.7/0.8, a slower window, and 0.7 with pre-warm."""
    variants: list[tuple[str, bool, dict[str, Any]]] = [
        ("cluster-only", False, {}),
        ("overflow@0.60", True, {"overflowThreshold": 0.6, "releaseThreshold": 0.5}),
        ("overflow@0.70", True, {}),
        ("overflow@0.80", True, {"overflowThreshold": 0.8, "releaseThreshold": 0.7}),
        (
            "overflow@0.70 slow-window",
            True,
            {"stabilization": {"enterSeconds": 30, "leaveSeconds": 300}},
        ),
        (
            "overflow@0.70 + prewarm 5m",
            True,
            {"prewarm": {"enabled": True, "leadTimeSeconds": 300}},
        ),
    ]
    return [
        OperatorController(name, policy_from_overrides(_merge(base, extra)), overflow)
        for name, overflow, extra in variants
    ]


def load_candidates(path: Path, base: dict[str, Any]) -> list[OperatorController]:
    entries = yaml.safe_load(path.read_text())
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a non-empty YAML list of policies")
    controllers = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "name" not in entry:
            raise ValueError(f"{path}: entry {i} needs a 'name'")
        spec = _merge(base, entry.get("spec") or {})
        controllers.append(
            OperatorController(
                str(entry["name"]), policy_from_overrides(spec), bool(entry.get("overflow", True))
            )
        )
    return controllers
