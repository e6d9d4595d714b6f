"""Every manifest of ``manifests/`` is accepted by a real kube-apiserver (server-side dry run).

``--dry-run=server`` runs the whole admission chain (schema, defaulting, validation, CEL rules,
RBAC escalation checks on Roles and bindings) without storing anything. The CRDs the objects
need are installed first (the OverflowPolicy CRD by ``operator_install``).

The monitoring component's ``PodMonitor`` and ``PrometheusRule`` belong to the Prometheus
Operator, whose CRDs are not installable here: the only Go module that ships their YAML,
``github.com/prometheus-operator/prometheus-operator``, is refused by the Go module proxy
(403 "not available"), and the project does not vendor third-party YAML. Those objects are left
out of the dry run, counted, and named in the skip reason; ``tests/integration/manifests``
still builds them with kustomize and checks the alert rules with ``promtool``.
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


def _objects(source: str) -> tuple[list[dict[str, Any]], list[str]]:
    objects = SOURCES[source]()
    kept = [o for o in objects if o["kind"] not in PROMETHEUS_OPERATOR_KINDS]
    left_out = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects
                      if o["kind"] in PROMETHEUS_OPERATOR_KINDS)  # fmt: skip
    return kept, left_out


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_server_side_apply_dry_run_accepts_every_object(
    operator_install: ControlPlane, source: str
):
    accepted, _ = _objects(source)
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


def test_prometheus_operator_objects_are_left_out_for_want_of_their_crds():
    _, left_out = _objects("overlays/example")
    assert left_out == ["PodMonitor/exam-overflow", "PrometheusRule/exam-overflow"]
    pytest.skip(
        "not dry-run: the Prometheus Operator CRDs cannot be installed here (module docstring): "
        + ", ".join(left_out)
    )
