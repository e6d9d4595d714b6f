"""The Kubernetes API calls the operator makes, as RBAC rules: what its RBAC grants, and no more.

``CLUSTER_CALLS`` are Kopf's, running cluster-wide and standalone: discovery of the CRD, the
list/watch of policies, patches of our finalizer and progress annotations, status patches
through the subresource, and Events. ``NAMESPACED_CALLS`` are the replicas adapter's
(:data:`autoscaler_operator.adapters.kube_replicas.CALLS`), granted by a Role in the graders'
namespace only. ``manifests/base/operator/rbac.yaml`` must grant exactly these: a unit test
compares the file, the kube tier compares ``kubectl auth can-i --list`` and the audit log of a
real API server with them.
"""

from __future__ import annotations

from autoscaler_operator.adapters.kube_replicas import CALLS
from autoscaler_operator.policy import GROUP, PLURAL

Call = tuple[str, str, str]  # (API group, resource[/subresource], verb)

CLUSTER_CALLS: tuple[Call, ...] = (
    ("apiextensions.k8s.io", "customresourcedefinitions", "list"),
    ("apiextensions.k8s.io", "customresourcedefinitions", "watch"),
    (GROUP, PLURAL, "list"),
    (GROUP, PLURAL, "watch"),
    (GROUP, PLURAL, "patch"),
    (GROUP, f"{PLURAL}/status", "patch"),
    ("", "events", "create"),
)
NAMESPACED_CALLS: tuple[Call, ...] = CALLS
