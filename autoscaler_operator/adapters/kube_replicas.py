"""Kubernetes replicas actuator: the grader Deployment's ``spec.replicas`` or its HPA's minReplicas.

Uses the official ``kubernetes`` client (in a worker thread) with merge patches. When the policy
names an HPA, the operator raises ``minReplicas`` instead of writing replicas, so it never fights
the HPA. Called by the reconcile step from the Kopf timer.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from kubernetes import client, config

from autoscaler_operator.errors import ActuationError

MERGE_PATCH = "application/merge-patch+json"


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

    def _read(self) -> dict[str, Any]:
        response = self.apps.read_namespaced_deployment(
            self.deployment, self.namespace, _preload_content=False
        )
        body: dict[str, Any] = json.loads(response.data)
        return body

    def _current(self) -> int | None:
        body = self._read()
        replicas = body.get("spec", {}).get("replicas")
        return int(replicas) if replicas is not None else None

    def _scale(self, replicas: int) -> None:
        if self.hpa_name:
            self.autoscaling.patch_namespaced_horizontal_pod_autoscaler(
                self.hpa_name,
                self.namespace,
                {"spec": {"minReplicas": max(1, replicas)}},
                _content_type=MERGE_PATCH,
                _preload_content=False,
            )
            return
        self.apps.patch_namespaced_deployment(
            self.deployment,
            self.namespace,
            {"spec": {"replicas": replicas}},
            _content_type=MERGE_PATCH,
            _preload_content=False,
        )

    async def current(self) -> int | None:
        try:
            return await asyncio.to_thread(self._current)
        except Exception as exc:
            raise ActuationError(f"reading deployment {self.deployment}: {exc!r}") from exc

    async def scale(self, replicas: int) -> None:
        try:
            await asyncio.to_thread(self._scale, replicas)
        except Exception as exc:
            raise ActuationError(f"scaling deployment {self.deployment}: {exc!r}") from exc

    async def close(self) -> None:
        return None
