"""Writes an OverflowPolicy's ``status`` subresource (merge patch), failing fast.

The Kopf timer writes status through this adapter instead of Kopf's ``patch.status``: Kopf
retries a failed patch for about a minute before the timer may run again, so an unreachable
API server would stop the control loop itself and let the published decision expire. Here one
write takes at most ``REQUEST_TIMEOUT``; a failed write is logged and simply repeated at the
next tick (the status is recomputed from the latest decision, so nothing stale is written).
Called by ``autoscaler_operator.handlers``; the call is ``patch overflowpolicies/status``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kubernetes import client

from autoscaler_operator.adapters.kube_api import MERGE_PATCH, REQUEST_TIMEOUT, call
from autoscaler_operator.errors import ActuationError, KubeApiError
from autoscaler_operator.policy import GROUP, PLURAL, VERSION


class StatusWriter:
    """Merge-patches ``status`` of OverflowPolicy objects."""

    def __init__(self, api: client.ApiClient) -> None:
        self.custom = client.CustomObjectsApi(api)

    def _write(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        call(
            "patch", f"{PLURAL}/status", namespace, name,
            lambda: self.custom.patch_namespaced_custom_object_status(
                GROUP, VERSION, namespace, PLURAL, name, {"status": status},
                _content_type=MERGE_PATCH, _preload_content=False,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )  # fmt: skip

    async def write(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        try:
            await asyncio.to_thread(self._write, namespace, name, status)
        except KubeApiError:
            raise
        except Exception as exc:
            raise ActuationError(f"writing status of {namespace}/{name}: {exc!r}") from exc
