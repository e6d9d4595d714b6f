"""The platform-services manifests build with kustomize, validate, and run commands that exist."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import typer
import yaml
from typer.testing import CliRunner

from platform_services import cli

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("identity", "notifications", "analytics", "web")


@pytest.fixture(scope="module")
def objects():
    kubectl = Path(sys.executable).parent / "kubectl"
    out = subprocess.run(
        [
            str(kubectl) if kubectl.exists() else "kubectl",
            "kustomize",
            str(ROOT / "manifests/base/platform"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def test_each_service_has_deployment_service_and_budget(objects):
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in objects}
    for name in SERVICES:
        assert {("Deployment", name), ("Service", name), ("PodDisruptionBudget", name)} <= kinds
    for doc in objects:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


def test_deployments_are_probed_bounded_and_non_root(objects):
    app = typer.Typer()
    cli.register(app)
    for doc in (d for d in objects if d["kind"] == "Deployment"):
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["limits"]["memory"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert doc["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == (
            "platform"
        )
        command = container["args"][1]
        assert command == doc["metadata"]["name"]
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
