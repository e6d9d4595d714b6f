"""ONE fixture wrapping the kmock 0.8 traps for running Kopf against ``KubernetesEmulator``.

- declare core ``namespaces`` and ``events``, the CRD resource, ``apps/v1`` deployments and
  ``autoscaling/v2`` HPAs, and our ``overflowpolicies`` so Kopf's discovery completes;
- the operator runs cluster-wide (``-A``): listing ``/api/v1/namespaces`` crashes kmock 0.8, and
  namespace patterns would make Kopf list them;
- every seeded/created object carries ``metadata.resourceVersion`` because Kopf's patches carry
  a JSON-patch test on it;
- kmock 0.8 keys objects by ``metadata.name`` and ignores ``generateName``, so every Kopf Event
  after the first one (``generateName: kopf-event-``) would conflict: the emulator subclass
  below names such objects on create.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from kmock import KubernetesEmulator, Server, action
from kmock import resource as kmock_resource

from autoscaler_operator.policy import GROUP, KIND, PLURAL, SINGULAR, VERSION

POLICIES = f"{GROUP}/{VERSION}/{PLURAL}"
DEPLOYMENTS = "apps/v1/deployments"
EVENTS = "v1/events"
_versions = itertools.count(1000)


def _rv() -> str:
    return str(next(_versions))


class NamingEmulator(KubernetesEmulator):
    """KubernetesEmulator that honours ``generateName`` and fills ``resourceVersion``."""

    async def _handle(self, request: Any) -> Any:
        if request.action == action.CREATE and isinstance(request.data, dict):
            meta = request.data.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:10]}"
            meta.setdefault("resourceVersion", _rv())
        return await super()._handle(request)


@dataclass
class Kube:
    """The emulator plus helpers to create objects and read state."""

    kmock: Any

    @property
    def url(self) -> str:
        return str(self.kmock.url).rstrip("/")

    def seed_deployment(self, namespace: str, name: str, replicas: int) -> None:
        self.kmock.objects[DEPLOYMENTS, namespace, name] = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": _rv(),
                         "uid": f"uid-{namespace}-{name}", "generation": 1},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": "grader"}]}}},
        }  # fmt: skip

    async def create_policy(self, namespace: str, name: str, spec: dict[str, Any]) -> None:
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": KIND,
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": _rv(),
                         "uid": f"uid-{namespace}-{name}", "generation": 1,
                         "creationTimestamp": "2026-11-29T17:00:00Z"},
            "spec": spec,
        }  # fmt: skip
        url = f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}"
        async with self.kmock.post(url, json=body) as response:
            assert response.status < 300, await response.text()

    async def delete_policy(self, namespace: str, name: str) -> None:
        url = f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}/{name}"
        async with self.kmock.delete(url) as response:
            assert response.status < 300, await response.text()

    def obj(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        key = (kmock_resource(resource), namespace, name)  # __contains__ does not parse strings
        if key not in self.kmock.objects:
            return None
        stored = self.kmock.objects[key]
        return None if stored.deleted else dict(stored.raw)

    def policy(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.obj(POLICIES, namespace, name)

    def replicas(self, namespace: str, name: str) -> int | None:
        deployment = self.obj(DEPLOYMENTS, namespace, name)
        return None if deployment is None else deployment["spec"].get("replicas")

    def events(self) -> list[dict[str, Any]]:
        return [dict(o.raw) for (res, _, _), o in self.kmock.objects.items()
                if str(res.plural) == "events" and not o.deleted]  # fmt: skip

    async def wait(self, check: Callable[[], Any], within: float, what: str) -> Any:
        deadline = time.monotonic() + within
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within}s waiting for {what}")
            await asyncio.sleep(0.1)


@pytest.fixture
async def kube(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Kube]:
    async with NamingEmulator() as kmock, Server(kmock):
        _declare(kmock)
        kube = Kube(kmock)
        monkeypatch.setenv("OPERATOR_KUBE_API_URL", kube.url)
        yield kube


def _declare(kmock: Any) -> None:
    verbs = ["list", "watch", "get", "patch", "create", "delete"]
    kmock.resources["v1/namespaces"] = {"kind": "Namespace", "namespaced": False, "verbs": verbs}
    kmock.resources[EVENTS] = {"kind": "Event", "namespaced": True, "verbs": verbs}
    kmock.resources["apiextensions.k8s.io/v1/customresourcedefinitions"] = {
        "kind": "CustomResourceDefinition", "namespaced": False, "verbs": verbs,
    }  # fmt: skip
    kmock.resources[DEPLOYMENTS] = {
        "kind": "Deployment", "namespaced": True, "verbs": verbs, "subresources": ["scale"],
    }  # fmt: skip
    kmock.resources["autoscaling/v2/horizontalpodautoscalers"] = {
        "kind": "HorizontalPodAutoscaler", "namespaced": True, "verbs": verbs,
    }  # fmt: skip
    kmock.resources[POLICIES] = {
        "kind": KIND, "singular": SINGULAR, "namespaced": True, "verbs": verbs,
        "subresources": ["status"], "shortnames": ["ofp"],
    }  # fmt: skip


def seed_hpa(kube: Kube, namespace: str, name: str, target: str, min_replicas: int) -> None:
    kube.kmock.objects["autoscaling/v2/horizontalpodautoscalers", namespace, name] = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": _rv()},
        "spec": {"minReplicas": min_replicas, "maxReplicas": 20,
                 "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": target}},
    }  # fmt: skip
