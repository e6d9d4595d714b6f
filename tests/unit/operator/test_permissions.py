"""The shipped RBAC grants exactly the calls in ``autoscaler_operator.permissions``."""

from __future__ import annotations

from pathlib import Path

import yaml

from autoscaler_operator.permissions import CLUSTER_CALLS, NAMESPACED_CALLS

RBAC = Path(__file__).resolve().parents[3] / "manifests" / "base" / "operator" / "rbac.yaml"


def granted(kind: str) -> set[tuple[str, str, str]]:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d and d["kind"] == kind]
    assert len(docs) == 1, kind
    return {
        (group, resource, verb)
        for rule in docs[0]["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_the_cluster_role_grants_exactly_kopfs_calls():
    assert granted("ClusterRole") == set(CLUSTER_CALLS)


def test_the_scaler_role_grants_exactly_the_replicas_adapters_calls():
    assert granted("Role") == set(NAMESPACED_CALLS)
