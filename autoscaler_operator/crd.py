"""Build the OverflowPolicy CustomResourceDefinition from the pydantic models.

The openAPIV3Schema is derived from ``OverflowPolicySpec``/``OverflowPolicyStatus`` (descriptions,
defaults, bounds, enums) and turned into a Kubernetes structural schema: ``$ref`` inlined,
``anyOf [X, null]`` turned into ``nullable``, numeric exclusive bounds into the OpenAPI v3 form,
and the CEL rules from ``autoscaler_operator.policy`` added as ``x-kubernetes-validations``.
Used by ``assessment-engine operator crd`` and by the no-drift test of
``manifests/base/crd-overflowpolicy.yaml``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from autoscaler_operator.policy import (
    CEL_RULES,
    GROUP,
    KIND,
    PLURAL,
    REPLICAS_CEL_RULES,
    SHORT_NAMES,
    SINGULAR,
    VERSION,
    OverflowPolicySpec,
    OverflowPolicyStatus,
)

CRD_PATH = Path(__file__).resolve().parent.parent / "manifests" / "base" / "crd-overflowpolicy.yaml"

_DROP_KEYS = {"title", "$defs", "additionalProperties"}


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = copy.deepcopy(defs[node["$ref"].split("/")[-1]])
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return _resolve({**target, **siblings}, defs)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        merged = {**options[0], **rest} if len(options) == 1 else node
        if nullable:
            merged["nullable"] = True
        node = merged
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_KEYS or (key == "default" and value is None):
            continue
        if key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
            continue
        if key == "properties":
            out[key] = {name: _resolve(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _resolve(value, defs)
    if _defaults_to_empty(out):
        out["default"] = {}
    return out


def _defaults_to_empty(node: dict[str, Any]) -> bool:
    """Whether an object may default to ``{}`` (its fields' own defaults then fill it in).

    Not when it has required fields: the API server validates every default against its own
    schema and refuses the CRD when ``{}`` lacks them (e.g. the items of ``status.conditions``).
    """
    return (
        node.get("type") == "object"
        and "properties" in node
        and "default" not in node
        and not node.get("required")
    )


def model_schema(model: type[Any]) -> dict[str, Any]:
    """The structural OpenAPI v3 schema of a pydantic model (camelCase names)."""
    raw = model.model_json_schema(by_alias=True)
    schema: dict[str, Any] = _resolve(raw, raw.get("$defs", {}))
    schema.pop("default", None)
    return schema


def _rules(rules: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"rule": rule, "message": message} for rule, message in rules]


def spec_schema() -> dict[str, Any]:
    schema = model_schema(OverflowPolicySpec)
    schema["x-kubernetes-validations"] = _rules(CEL_RULES)
    schema["properties"]["replicas"]["x-kubernetes-validations"] = _rules(REPLICAS_CEL_RULES)
    schema["default"] = {}
    return schema


def status_schema() -> dict[str, Any]:
    schema = model_schema(OverflowPolicyStatus)
    schema["properties"]["conditions"]["x-kubernetes-list-type"] = "map"
    schema["properties"]["conditions"]["x-kubernetes-list-map-keys"] = ["type"]
    return schema


PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Mode", "type": "string", "jsonPath": ".status.mode",
     "description": "cluster, overflow or prewarm"},
    {"name": "Utilization", "type": "string", "jsonPath": ".status.utilization",
     "description": "Last utilization ratio, or unknown"},
    {"name": "Threshold", "type": "number", "jsonPath": ".spec.overflowThreshold",
     "description": "Overflow threshold"},
    {"name": "Spilling", "type": "boolean", "jsonPath": ".status.spilling",
     "description": "Dispatchers spill to Lambda"},
    {"name": "Replicas", "type": "integer", "jsonPath": ".status.graderReplicas",
     "description": "Grader replicas requested"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]  # fmt: skip


def build_crd() -> dict[str, Any]:
    """The complete CustomResourceDefinition object."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{PLURAL}.{GROUP}",
            "labels": {"app.kubernetes.io/part-of": "exam-overflow"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": SINGULAR,
                "shortNames": list(SHORT_NAMES),
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": PRINTER_COLUMNS,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": (
                                "OverflowPolicy tunes when grading spills from the grader "
                                "Deployment to AWS Lambda, how graders scale, and how capacity "
                                "is pre-warmed before scheduled exams."
                            ),
                            "properties": {
                                "apiVersion": {
                                    "type": "string",
                                    "description": "APIVersion of this object.",
                                },
                                "kind": {"type": "string", "description": "Kind of this object."},
                                "metadata": {"type": "object"},
                                "spec": spec_schema(),
                                "status": status_schema(),
                            },
                        }
                    },
                }
            ],
        },
    }


def render_crd() -> str:
    """The CRD as YAML text, exactly as committed in ``manifests/base``."""
    header = (
        "# Generated from autoscaler_operator/policy.py by `assessment-engine operator crd`.\n"
        "# Do not edit by hand: tests/unit/operator/test_crd.py fails on drift.\n"
    )
    return header + yaml.safe_dump(build_crd(), sort_keys=False, width=100)
