"""What the operator's Kubernetes adapters share: the API client, timeouts and error mapping.

``api_client`` builds the official client (in-cluster, kubeconfig, or an explicit URL);
``call`` runs one request and turns an ``ApiException`` into a logged
:class:`~autoscaler_operator.errors.KubeApiError` that names the verb and resource as RBAC does.
Every request carries ``REQUEST_TIMEOUT`` so an unreachable API server fails a call in seconds
instead of holding up the control loop. Used by ``kube_replicas`` and ``kube_status``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from autoscaler_operator.errors import KubeApiError
from autoscaler_operator.logs import log_api_error

MERGE_PATCH = "application/merge-patch+json"
REQUEST_TIMEOUT = (3.0, 10.0)  # (connect, read) seconds of one API request


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


def api_error(
    exc: ApiException, verb: str, resource: str, namespace: str, name: str
) -> KubeApiError:
    """The typed error of a refused call, with the API's own ``Status.reason`` and message."""
    reason, message = str(exc.reason or ""), ""
    try:
        body = json.loads(exc.body or "{}")
    except ValueError:
        body = {}
    if isinstance(body, dict):
        reason = str(body.get("reason") or reason)
        message = str(body.get("message") or "")
    return KubeApiError(
        verb=verb, resource=resource, namespace=namespace, name=name,
        status=int(exc.status or 0), reason=reason, message=message,
    )  # fmt: skip


def call(verb: str, resource: str, namespace: str, name: str, request: Callable[[], Any]) -> Any:
    """Run one request (``_preload_content=False``) and return its JSON body."""
    try:
        response = request()
    except ApiException as exc:
        error = api_error(exc, verb, resource, namespace, name)
        log_api_error(error)
        raise error from exc
    return json.loads(response.data)
