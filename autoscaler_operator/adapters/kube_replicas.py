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
import json
from collections.abc import Callable
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from autoscaler_operator.errors import ActuationError, KubeApiError
from autoscaler_operator.logs import log_api_error

MERGE_PATCH = "application/merge-patch+json"

# (API group, resource, verb) of every call this module makes, for the RBAC test.
CALLS: tuple[tuple[str, str, str], ...] = (
    ("apps", "deployments/scale", "get"),
    ("apps", "deployments/scale", "patch"),
    ("autoscaling", "horizontalpodautoscalers", "get"),
    ("autoscaling", "horizontalpodautoscalers", "patch"),
)


def api_client(api_url: str | None) -> client.ApiClient:
    """An API client for ``api_url``, or in-cluster / kubeconfig credentials when None."""
    if api_url:
        configuration = client.Configuration()
        configuration.host = api_url
        configuration.verify_ssl = False
        return client.ApiClient(configuration)
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    return client.ApiClient()


def _api_error(
    exc: ApiException, verb: str, resource: str, namespace: str, name: str
) -> KubeApiError:
    reason, message = str(exc.reason or ""), ""
    try:
        body = json.loads(exc.body or "{}")
    except ValueError:
        body = {}
    if isinstance(body, dict):
        reason = str(body.get("reason") or reason)
        message = str(body.get("message") or "")
    return KubeApiError(
        verb=verb,
        resource=resource,
        namespace=namespace,
        name=name,
        status=int(exc.status or 0),
        reason=reason,
        message=message,
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

    def _call(self, verb: str, resource: str, name: str, call: Callable[[], Any]) -> Any:
        try:
            response = call()
        except ApiException as exc:
            error = _api_error(exc, verb, resource, self.namespace, name)
            log_api_error(error)
            raise error from exc
        body: dict[str, Any] = json.loads(response.data)
        return body

    def _current(self) -> int | None:
        scale = self._call(
            "get", "deployments/scale", self.deployment,
            lambda: self.apps.read_namespaced_deployment_scale(
                self.deployment, self.namespace, _preload_content=False
            ),
        )  # fmt: skip
        replicas = scale.get("spec", {}).get("replicas")
        return int(replicas) if replicas is not None else None

    def _raise_hpa_minimum(self, hpa: str, replicas: int) -> None:
        current = self._call(
            "get", "horizontalpodautoscalers", hpa,
            lambda: self.autoscaling.read_namespaced_horizontal_pod_autoscaler(
                hpa, self.namespace, _preload_content=False
            ),
        )  # fmt: skip
        ceiling = int(current.get("spec", {}).get("maxReplicas") or replicas)
        minimum = max(1, min(replicas, ceiling))
        self._call(
            "patch", "horizontalpodautoscalers", hpa,
            lambda: self.autoscaling.patch_namespaced_horizontal_pod_autoscaler(
                hpa, self.namespace, {"spec": {"minReplicas": minimum}},
                _content_type=MERGE_PATCH, _preload_content=False,
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
                _content_type=MERGE_PATCH, _preload_content=False,
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
