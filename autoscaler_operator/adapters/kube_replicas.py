"""Kubernetes replicas actuator: the grader Deployment's scale subresource or its HPA's minimum.

Every call goes through the ``deployments/scale`` subresource (read and merge-patch), never the
Deployment itself: a grant on ``deployments/scale`` can change nothing but the replica count,
while ``patch`` on ``deployments`` would let whoever holds the operator's token rewrite the pod
template (image, command, service account) of every Deployment in the namespace. It is also the
path the HPA, KEDA and ``kubectl scale`` use. When the policy names an HPA, the operator raises
the HPA's ``minReplicas`` (capped at its ``maxReplicas``, which the API server enforces) instead,
so it never fights the HPA. The RBAC rules in ``manifests/base/operator/rbac.yaml`` grant exactly
the calls made here (see ``CALLS``). Uses the official ``kubernetes`` client in a worker thread;
a refused call is logged and raises :class:`~autoscaler_operator.errors.KubeApiError` naming verb
and resource.
Called by the reconcile step from the Kopf timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from kubernetes import client

from autoscaler_operator.adapters.kube_api import MERGE_PATCH, REQUEST_TIMEOUT, call
from autoscaler_operator.errors import ActuationError, KubeApiError

# (API group, resource, verb) of every call this module makes, for the RBAC test.
CALLS: tuple[tuple[str, str, str], ...] = (
    ("apps", "deployments/scale", "get"),
    ("apps", "deployments/scale", "patch"),
    ("autoscaling", "horizontalpodautoscalers", "get"),
    ("autoscaling", "horizontalpodautoscalers", "patch"),
)


class DeploymentScaler:
    """Reads and sets the grader replicas of one Deployment (optionally through its HPA)."""

    def __init__(
        self, api: client.ApiClient, namespace: str, deployment: str, hpa_name: str | None = None
    ) -> None:
        self.apps = client.AppsV1Api(api)
        self.autoscaling = client.AutoscalingV2Api(api)
        self.namespace = namespace
        self.deployment = deployment
        self.hpa_name = hpa_name

    def _call(self, verb: str, resource: str, name: str, request: Callable[[], Any]) -> Any:
        return call(verb, resource, self.namespace, name, request)

    def _current(self) -> int | None:
        scale = self._call(
            "get", "deployments/scale", self.deployment,
            lambda: self.apps.read_namespaced_deployment_scale(
                self.deployment, self.namespace,
                _preload_content=False, _request_timeout=REQUEST_TIMEOUT,
            ),
        )  # fmt: skip
        replicas = scale.get("spec", {}).get("replicas")
        return int(replicas) if replicas is not None else None

    def _raise_hpa_minimum(self, hpa: str, replicas: int) -> None:
        current = self._call(
            "get", "horizontalpodautoscalers", hpa,
            lambda: self.autoscaling.read_namespaced_horizontal_pod_autoscaler(
                hpa, self.namespace, _preload_content=False, _request_timeout=REQUEST_TIMEOUT
            ),
        )  # fmt: skip
        ceiling = int(current.get("spec", {}).get("maxReplicas") or replicas)
        minimum = max(1, min(replicas, ceiling))
        self._call(
            "patch", "horizontalpodautoscalers", hpa,
            lambda: self.autoscaling.patch_namespaced_horizontal_pod_autoscaler(
                hpa, self.namespace, {"spec": {"minReplicas": minimum}},
                _content_type=MERGE_PATCH, _preload_content=False, _request_timeout=REQUEST_TIMEOUT,
            ),
        )  # fmt: skip

    def _scale(self, replicas: int) -> None:
        if self.hpa_name:
            self._raise_hpa_minimum(self.hpa_name, replicas)
            return
        self._call(
            "patch", "deployments/scale", self.deployment,
            lambda: self.apps.patch_namespaced_deployment_scale(
                self.deployment, self.namespace, {"spec": {"replicas": replicas}},
                _content_type=MERGE_PATCH, _preload_content=False, _request_timeout=REQUEST_TIMEOUT,
            ),
        )  # fmt: skip

    async def current(self) -> int | None:
        try:
            return await asyncio.to_thread(self._current)
        except KubeApiError:
            raise
        except Exception as exc:
            raise ActuationError(f"reading deployment {self.deployment}: {exc!r}") from exc

    async def scale(self, replicas: int) -> None:
        try:
            await asyncio.to_thread(self._scale, replicas)
        except KubeApiError:
            raise
        except Exception as exc:
            raise ActuationError(f"scaling deployment {self.deployment}: {exc!r}") from exc

    async def close(self) -> None:
        return None
