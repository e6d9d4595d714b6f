"""Every manifest of ``manifests/`` is accepted by a real kube-apiserver (server-side dry run).

``--dry-run=server`` runs the whole admission chain (schema, defaulting, validation, CEL rules,
RBAC escalation checks on Roles and bindings) without storing anything. The CRDs the objects
need are installed first (the OverflowPolicy CRD by ``operator_install``).

The monitoring component's ``PodMonitor`` and ``PrometheusRule`` belong to the Prometheus
Operator: its CRDs are generated from its Go API module with controller-gen
(``scripts/build-prometheus-operator-crds.sh``; the module that ships their YAML is refused by
the Go module proxy, the API types' own module is not) and installed first
(``monitoring_crds``), so those objects go through the same dry run: nothing is left out.
``tests/integration/manifests`` also checks the alert rules with ``promtool``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from exam_stack.localstack.kube_control_plane import ControlPlane

from ..conftest import MANIFESTS, apply, kustomize, to_yaml

pytestmark = pytest.mark.kube

PROMETHEUS_OPERATOR_KINDS = {"PodMonitor", "PrometheusRule"}


def _plain_files(folder: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        docs.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return docs


SOURCES = {
    "base": lambda: list(kustomize("base")),
    "overlays/example": lambda: list(kustomize("overlays/example")),
    "examples": lambda: _plain_files(MANIFESTS / "examples"),
}


def test_every_overlay_component_and_example_folder_is_dry_run():
    assert {p.name for p in MANIFESTS.iterdir() if p.is_dir()} == {
        "base", "components", "overlays", "examples",
    }  # fmt: skip
    overlays = {f"overlays/{p.name}" for p in (MANIFESTS / "overlays").iterdir() if p.is_dir()}
    assert overlays <= set(SOURCES)
    used = "".join((MANIFESTS / o / "kustomization.yaml").read_text() for o in overlays)
    for component in (MANIFESTS / "components").iterdir():  # Components build only in overlays
        assert f"components/{component.name}" in used, component


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_server_side_apply_dry_run_accepts_every_object(monitoring_crds: ControlPlane, source: str):
    operator_install = monitoring_crds
    accepted = SOURCES[source]()
    # The examples name the namespace they go to (e.g. "local"); a user creates it first.
    namespaces = sorted(
        {o["metadata"]["namespace"] for o in accepted if "namespace" in o["metadata"]}
    )
    apply(operator_install, [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
                             for n in namespaces])  # fmt: skip
    result = operator_install.kubectl(
        "apply", "--server-side", "--dry-run=server", "--field-manager=exam-tests",
        "-f", "-", stdin=to_yaml(accepted), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "(server dry run)" in line]
    assert len(lines) == len(accepted), result.stdout


def test_the_monitoring_objects_are_in_the_dry_run_and_a_broken_one_is_refused(
    monitoring_crds: ControlPlane,
):
    """The PodMonitor and PrometheusRule are validated by their real schemas: the example
    overlay's pass (above), and a rule group with a wrongly typed field is refused."""
    objects = SOURCES["overlays/example"]()
    monitoring = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects
                        if o["kind"] in PROMETHEUS_OPERATOR_KINDS)  # fmt: skip
    assert monitoring == ["PodMonitor/exam-overflow", "PrometheusRule/exam-overflow"]
    rule = next(o for o in objects if o["kind"] == "PrometheusRule")
    bad_rule = {"alert": "A", "expr": "up == 0", "for": ["not", "a", "duration"]}
    broken = {**rule, "spec": {"groups": [{"name": "g", "rules": [bad_rule]}]}}
    result = monitoring_crds.kubectl(
        "apply", "--server-side", "--dry-run=server", "--field-manager=exam-tests",
        "-f", "-", stdin=to_yaml([broken]), check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "for" in result.stderr, result.stderr
