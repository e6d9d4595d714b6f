"""The generated OverflowPolicy CRD as a real kube-apiserver serves it.

Installed from ``manifests/base`` (``operator_install``); checked with kubectl as a platform
operator uses it: established names, ``kubectl explain`` text, server-side defaults, the CEL
rules at admission, and the printer columns of ``kubectl get ofp``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from autoscaler_operator.crd import build_crd
from autoscaler_operator.policy import CEL_RULES, REPLICAS_CEL_RULES, parse_policy
from exam_stack.localstack.kube_control_plane import ControlPlane

from ..conftest import CRD_NAME, apply, get_json

pytestmark = pytest.mark.kube

NS = "crd-tests"


@pytest.fixture(scope="module")
def plane(operator_install: ControlPlane) -> ControlPlane:
    apply(operator_install, [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}])
    return operator_install


def policy(name: str, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "overflow.exams.dev/v1alpha1",
        "kind": "OverflowPolicy",
        "metadata": {"name": name, "namespace": NS},
    }
    if spec is not None:
        body["spec"] = spec
    return body


def create(plane: ControlPlane, body: dict[str, Any], check: bool = True) -> Any:
    from ..conftest import to_yaml

    return plane.kubectl("create", "-f", "-", stdin=to_yaml([body]), check=check)


def test_crd_is_established_under_its_names(plane: ControlPlane):
    crd = get_json(plane, "crd", CRD_NAME, namespace="default")
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions["Established"] == "True"
    assert conditions["NamesAccepted"] == "True"
    assert crd["status"]["acceptedNames"]["shortNames"] == ["ofp"]
    resources = plane.kubectl("api-resources", "--api-group=overflow.exams.dev").stdout
    assert "ofp" in resources
    assert "OverflowPolicy" in resources


def _object_nodes(schema: dict[str, Any], path: str):
    if schema.get("type") == "object" and schema.get("properties"):
        yield path, schema
        for name, sub in schema["properties"].items():
            yield from _object_nodes(sub, f"{path}.{name}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from _object_nodes(items, path)


def _words(text: str) -> str:
    return " ".join(text.split())


def test_kubectl_explain_prints_the_description_of_every_field(plane: ControlPlane):
    root = build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    checked = 0
    for top in ("spec", "status"):
        for path, node in _object_nodes(root["properties"][top], f"overflowpolicy.{top}"):
            out = _words(plane.kubectl("explain", path).stdout)
            assert _words(node["description"]) in out, path
            for name, sub in node["properties"].items():
                assert name in out, f"{path}.{name}"
                assert _words(sub["description"]) in out, f"{path}.{name}"
                checked += 1
    assert checked > 60


def test_the_server_fills_in_every_default(plane: ControlPlane):
    create(plane, policy("no-spec"))
    create(plane, policy("partial", {"replicas": {"max": 20}}))
    stored = get_json(plane, "ofp", "no-spec", namespace=NS)["spec"]
    assert stored["overflowThreshold"] == 0.7
    assert stored["replicas"]["scaleUp"]["pods"] == 4  # nested objects default too
    assert stored["stabilization"] == {"enterSeconds": 2.0, "leaveSeconds": 60.0}
    assert parse_policy(stored) == parse_policy({})
    partial = get_json(plane, "ofp", "partial", namespace=NS)["spec"]
    assert partial["replicas"]["max"] == 20
    assert partial["replicas"]["min"] == 1
    plane.kubectl("delete", "ofp", "no-spec", "partial", "-n", NS)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"overflowThreshold": 0.6, "releaseThreshold": 0.6}, CEL_RULES[0][1]),
        ({"overflowThreshold": 0.6, "releaseThreshold": 0.8}, CEL_RULES[0][1]),
        ({"replicas": {"min": 5, "max": 2}}, REPLICAS_CEL_RULES[0][1]),
        ({"overflowThreshold": 1.5}, "overflowThreshold"),
    ],
)
def test_admission_rejects_what_the_validation_rules_forbid(plane: ControlPlane, spec, message):
    result = create(plane, policy("rejected", spec), check=False)
    assert result.returncode != 0
    assert "Invalid" in result.stderr
    assert message in result.stderr
    assert get_json(plane, "ofp", "rejected", namespace=NS) is None


def test_kubectl_get_shows_the_printer_columns(plane: ControlPlane):
    create(plane, policy("columns", {"overflowThreshold": 0.75, "releaseThreshold": 0.5}))
    status = {"mode": "overflow", "utilization": "0.83", "spilling": True, "graderReplicas": 6}
    plane.kubectl(
        "patch", "ofp", "columns", "-n", NS, "--subresource=status", "--type=merge",
        "-p", json.dumps({"status": status}),
    )  # fmt: skip
    lines = plane.kubectl("get", "ofp", "columns", "-n", NS).stdout.splitlines()
    assert lines[0].split() == [
        "NAME", "MODE", "UTILIZATION", "THRESHOLD", "SPILLING", "REPLICAS", "AGE",
    ]  # fmt: skip
    assert lines[1].split()[:6] == ["columns", "overflow", "0.83", "0.75", "true", "6"]
    plane.kubectl("delete", "ofp", "columns", "-n", NS)


def test_status_conditions_are_validated_as_a_map_of_metav1_conditions(plane: ControlPlane):
    create(plane, policy("conditions"))
    bad = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    result = plane.kubectl(
        "patch", "ofp", "conditions", "-n", NS, "--subresource=status", "--type=merge",
        "-p", json.dumps(bad), check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "reason" in result.stderr
    assert "lastTransitionTime" in result.stderr
    plane.kubectl("delete", "ofp", "conditions", "-n", NS)
