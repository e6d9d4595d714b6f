"""The replicas actuator against a real kube-apiserver, as the operator's own ServiceAccount.

The token carries only the RBAC ``manifests/base/operator/rbac.yaml`` ships, so a call the
manifests do not grant fails here exactly as on a cluster (kmock enforces no RBAC).
"""

from __future__ import annotations

import pytest
from kubernetes import config

from autoscaler_operator.adapters.kube_replicas import DeploymentScaler
from autoscaler_operator.errors import KubeApiError
from exam_stack.localstack.kube_control_plane import ControlPlane

from ...conftest import NAMESPACE, apply, get_json, grader_deployment, grader_hpa

pytestmark = pytest.mark.kube


def scaler_as_operator(kubeconfig, namespace: str, deployment: str, hpa: str | None = None):
    api = config.new_client_from_config(config_file=str(kubeconfig))
    return DeploymentScaler(api, namespace, deployment, hpa)


async def test_grader_replicas_are_read_and_set_through_the_scale_subresource(
    operator_install: ControlPlane, operator_kubeconfig
):
    plane = operator_install
    apply(plane, [grader_deployment("grader-scale", replicas=2)])
    scaler = scaler_as_operator(operator_kubeconfig, NAMESPACE, "grader-scale")
    assert await scaler.current() == 2
    await scaler.scale(5)
    assert get_json(plane, "deployment", "grader-scale")["spec"]["replicas"] == 5
    assert await scaler.current() == 5
    await scaler.scale(1)
    assert get_json(plane, "deployment", "grader-scale")["spec"]["replicas"] == 1


async def test_an_hpa_owned_grader_gets_min_replicas_raised_and_capped_at_its_maximum(
    operator_install: ControlPlane, operator_kubeconfig
):
    plane = operator_install
    apply(
        plane,
        [
            grader_deployment("grader-hpa", replicas=2),
            grader_hpa("grader-hpa", "grader-hpa", min_replicas=2, max_replicas=6),
        ],
    )
    scaler = scaler_as_operator(operator_kubeconfig, NAMESPACE, "grader-hpa", "grader-hpa")
    await scaler.scale(4)
    hpa = get_json(plane, "hpa.v2.autoscaling", "grader-hpa")
    assert hpa["spec"]["minReplicas"] == 4
    await scaler.scale(9)  # above maxReplicas: the API server would refuse min > max
    hpa = get_json(plane, "hpa.v2.autoscaling", "grader-hpa")
    assert hpa["spec"]["minReplicas"] == 6
    deployment = get_json(plane, "deployment", "grader-hpa")
    assert deployment["spec"]["replicas"] == 2  # the HPA owns spec.replicas, never written


async def test_a_forbidden_call_names_the_verb_and_resource(
    operator_install: ControlPlane, operator_kubeconfig
):
    plane = operator_install
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "no-grant"}}
    apply(plane, [namespace, grader_deployment("grader", replicas=1, namespace="no-grant")])
    scaler = scaler_as_operator(operator_kubeconfig, "no-grant", "grader")
    with pytest.raises(KubeApiError) as info:
        await scaler.current()
    error = info.value
    assert (error.status, error.reason) == (403, "Forbidden")
    assert (error.verb, error.resource, error.namespace) == ("get", "deployments/scale", "no-grant")
    assert "system:serviceaccount:exams:overflow-operator" in error.message
