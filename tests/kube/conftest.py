"""The kube tier: a private real kube-apiserver + etcd (envtest-style, no kubelet) per session.

``control_plane`` starts both from the binaries ``scripts/build-kube-control-plane.sh`` builds
(from Go modules, cached by version; the script runs here when ``EXAM_KUBE_BIN`` is unset, so a
fresh machine builds them on first use). ``operator_install`` applies what ``manifests/base``
ships for the operator (namespace, CRD, ServiceAccount, RBAC) by server-side apply; the
operator then authenticates with a token for its ServiceAccount (``operator_kubeconfig``),
never as the admin.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoscaler_operator.policy import GROUP, PLURAL
from exam_stack.localstack.kube_control_plane import ControlPlane, start_control_plane

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "manifests"
BUILD_SCRIPT = ROOT / "scripts" / "build-kube-control-plane.sh"
CRDS_SCRIPT = ROOT / "scripts" / "build-prometheus-operator-crds.sh"
NAMESPACE = "exams"
OPERATOR_SA = "overflow-operator"
OPERATOR_USER = f"system:serviceaccount:{NAMESPACE}:{OPERATOR_SA}"
CRD_NAME = f"{PLURAL}.{GROUP}"
OPERATOR_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}

pytestmark = pytest.mark.kube


def kube_bin_dir() -> Path:
    """``EXAM_KUBE_BIN``, or the cache directory the build script prints (building if needed)."""
    given = os.environ.get("EXAM_KUBE_BIN")
    if given:
        return Path(given)
    result = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=3600, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"{BUILD_SCRIPT.name} failed:\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def kube_bin() -> Path:
    return kube_bin_dir()


@pytest.fixture(scope="session")
def control_plane(
    tmp_path_factory: pytest.TempPathFactory, kube_bin: Path
) -> Iterator[ControlPlane]:
    """One kube-apiserver + etcd for the session (tests use their own names and namespaces)."""
    plane = start_control_plane(tmp_path_factory.mktemp("kube"), kube_bin)
    yield plane
    plane.stop()


@cache
def kustomize(path: str) -> tuple[dict[str, Any], ...]:
    """``kubectl kustomize manifests/<path>`` as a tuple of objects (built once per session)."""
    from exam_stack.localstack.kube_control_plane import find_kubectl

    out = subprocess.run(
        [find_kubectl(), "kustomize", str(MANIFESTS / path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def to_yaml(objects: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> str:
    return yaml.safe_dump_all(list(objects), sort_keys=False)


def apply(plane: ControlPlane, objects: list[dict[str, Any]], *extra: str, **kwargs: Any) -> str:
    """Server-side apply ``objects`` as the admin (field manager ``exam-tests``)."""
    result = plane.kubectl(
        "apply", "--server-side", "--field-manager=exam-tests", "-f", "-", *extra,
        stdin=to_yaml(objects), **kwargs,
    )  # fmt: skip
    return result.stdout


def install_operator(plane: ControlPlane) -> ControlPlane:
    """Apply the namespace, the OverflowPolicy CRD and the operator's ServiceAccount + RBAC."""
    base = kustomize("base")
    wanted = [
        doc for doc in base
        if doc["kind"] in {"Namespace", "CustomResourceDefinition"}
        or (doc["kind"] in OPERATOR_KINDS and doc["metadata"]["name"].startswith(OPERATOR_SA))
    ]  # fmt: skip
    apply(plane, wanted)
    plane.kubectl("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=30s")
    return plane


@pytest.fixture(scope="session")
def operator_install(control_plane: ControlPlane) -> ControlPlane:
    """The session's control plane with what ``manifests/base`` ships for the operator."""
    return install_operator(control_plane)


@cache
def prometheus_operator_crds() -> list[Path]:
    """The Prometheus Operator's CRDs, generated from its Go API module by controller-gen
    (``scripts/build-prometheus-operator-crds.sh``, cached; ``EXAM_PROMETHEUS_CRDS`` names the
    directory when the test command already ran it)."""
    folder = os.environ.get("EXAM_PROMETHEUS_CRDS")
    if not folder:
        built = subprocess.run(
            ["bash", str(CRDS_SCRIPT)], capture_output=True, text=True, check=True, timeout=1800
        )
        folder = built.stdout.strip().splitlines()[-1]
    return sorted(Path(folder).glob("monitoring.coreos.com_*.yaml"))


@pytest.fixture(scope="session")
def monitoring_crds(operator_install: ControlPlane) -> ControlPlane:
    """The control plane with the Prometheus Operator's CRDs installed and Established."""
    paths = prometheus_operator_crds()
    assert paths, "no Prometheus Operator CRDs were generated"
    for path in paths:  # as files: their schemas hold keys plain YAML loaders refuse ("=")
        operator_install.kubectl(
            "apply", "--server-side", "--field-manager=exam-tests", "-f", str(path)
        )  # fmt: skip
    for path in paths:
        group, plural = path.stem.split("_", 1)
        operator_install.kubectl(
            "wait", "--for=condition=Established", f"crd/{plural}.{group}", "--timeout=60s"
        )  # fmt: skip
    return operator_install


@pytest.fixture(scope="session")
def operator_kubeconfig(operator_install: ControlPlane) -> Path:
    """A kubeconfig carrying a TokenRequest token for the operator's ServiceAccount."""
    return operator_install.service_account_kubeconfig(NAMESPACE, OPERATOR_SA)


def grader_deployment(name: str, replicas: int, namespace: str = NAMESPACE) -> dict[str, Any]:
    """A minimal grader Deployment (nothing runs it here: there is no kubelet)."""
    labels = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "grader", "image": "exam-overflow"}]},
            },
        },
    }


def grader_hpa(name: str, target: str, min_replicas: int, max_replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}],
        },
    }  # fmt: skip


def get_json(plane: ControlPlane, *what: str, namespace: str = NAMESPACE) -> Any:
    """``kubectl get ... -o json`` as a dict, or None when the object does not exist."""
    import json

    result = plane.kubectl("get", *what, "-n", namespace, "-o", "json", check=False)
    if result.returncode != 0:
        if "NotFound" in result.stderr:
            return None
        raise AssertionError(result.stderr)
    return json.loads(result.stdout)
