"""``kubectl auth can-i --list`` for the operator's ServiceAccount is exactly what its code calls.

The grants of an account without any binding (what every authenticated user may do: discovery,
self reviews) are subtracted; what is left must equal ``autoscaler_operator.permissions``, in
the graders' namespace and outside it (where only the cluster-wide part applies).
"""

from __future__ import annotations

import pytest

from autoscaler_operator.permissions import CLUSTER_CALLS, NAMESPACED_CALLS
from exam_stack.localstack.kube_control_plane import ControlPlane

from ..conftest import NAMESPACE, OPERATOR_USER, apply

pytestmark = pytest.mark.kube


def can_i_list(plane: ControlPlane, user: str, namespace: str) -> set[tuple[str, str, str]]:
    out = plane.kubectl("auth", "can-i", "--list", f"--as={user}", "-n", namespace).stdout
    grants: set[tuple[str, str, str]] = set()
    for line in out.splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("["):
            continue  # non-resource URLs
        name, rest = line.split(None, 1)
        verbs = rest[rest.rindex("[") + 1 : rest.rindex("]")].split()
        resource, _, subresource = name.partition("/")
        plural, _, group = resource.partition(".")
        path = f"{plural}/{subresource}" if subresource else plural
        grants |= {(group, path, verb) for verb in verbs}
    return grants


def test_can_i_list_matches_the_calls_the_code_makes(operator_install: ControlPlane):
    plane = operator_install
    apply(plane, [{"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "nobody", "namespace": NAMESPACE}}])  # fmt: skip
    everyone = can_i_list(plane, f"system:serviceaccount:{NAMESPACE}:nobody", NAMESPACE)
    assert can_i_list(plane, OPERATOR_USER, NAMESPACE) - everyone == set(CLUSTER_CALLS) | set(
        NAMESPACED_CALLS
    )
    assert can_i_list(plane, OPERATOR_USER, "default") - everyone == set(CLUSTER_CALLS)
