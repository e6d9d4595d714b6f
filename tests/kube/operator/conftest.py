"""The operator process against the real control plane: ``assessment-engine operator run``.

``run_operator`` starts the real command (Kopf, the shipped handlers) with a kubeconfig holding a
token of the operator's own ServiceAccount, a real Redis for decision records and optionally the
local Lambda service; its JSON log lines are read back from a file. ``wait_for`` polls a check.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY
from exam_stack.localstack.kube_control_plane import ControlPlane
from exam_stack.localstack.ports import free_port

from ..conftest import NAMESPACE, OPERATOR_USER, get_json, to_yaml


@dataclass
class OperatorProcess:
    """A running ``assessment-engine operator run`` and where its log goes."""

    process: subprocess.Popen[bytes]
    log_path: Path
    liveness_port: int

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"message": raw, "unstructured": True})
        return lines

    def log_tail(self, count: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-count:])

    async def liveness(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as http:
            for _ in range(100):
                try:
                    probe = await http.get(f"http://127.0.0.1:{self.liveness_port}/healthz")
                    if probe.status_code == 200:
                        return dict(probe.json())
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"no liveness answer:\n{self.log_tail()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return int(self.process.returncode)


@pytest.fixture
def run_operator(
    tmp_path: Path, request: pytest.FixtureRequest, redis_server_session: Any
) -> Iterator[Callable[..., OperatorProcess]]:
    """Start ``assessment-engine operator run`` as the operator's ServiceAccount.

    ``kubeconfig`` defaults to the session control plane's ``operator_kubeconfig``.
    """
    started: list[OperatorProcess] = []

    def start(kubeconfig: Path | None = None, **env: str) -> OperatorProcess:
        port = free_port()
        log_path = tmp_path / f"operator-{len(started)}.log"
        environment = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig or request.getfixturevalue("operator_kubeconfig")),
            "OPERATOR_REDIS_URL": redis_server_session.url,
            **env,
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "exam_stack.cli", "operator", "run",
                 "--liveness", f"http://127.0.0.1:{port}/healthz"],
                env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        operator = OperatorProcess(process, log_path, port)
        started.append(operator)
        return operator

    yield start
    for operator in started:
        operator.stop()


@pytest.fixture
def local_lambda_endpoint(tmp_path: Path) -> Iterator[str]:
    """The project's local Lambda service with an ``exam-grader`` function."""
    from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
    from overflow_functions.local_lambda.server import LocalLambdaService, ServiceThread

    code = tmp_path / "fn"
    code.mkdir()
    (code / "fn.py").write_text("def handler(event, context):\n    return {}\n")
    service = LocalLambdaService(
        LocalLambdaSettings(port=0, account_concurrency=20),
        [FunctionConfig(name="exam-grader", handler="fn.handler", code_dir=code)],
    )
    thread = ServiceThread(service).start()
    yield service.endpoint_url
    thread.stop()


@pytest.fixture
async def redis(redis_server_session: Any) -> AsyncIterator[Any]:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_server_session.url)
    await client.flushall()
    yield client
    await client.aclose()


def policy_spec(prom_url: str, **overrides: Any) -> dict[str, Any]:
    """A fast-reacting policy reading the test exporter's utilization."""
    spec: dict[str, Any] = {
        "target": {"deployment": "grader"},
        "prometheus": {"url": prom_url, "utilizationQuery": LOCAL_UTILIZATION_QUERY,
                       "queueLengthQuery": None},
        "evaluationIntervalSeconds": 1,
        "stabilization": {"enterSeconds": 1, "leaveSeconds": 2},
        "queueSpill": {"enabled": False},
        "replicas": {"min": 1, "max": 8, "targetUtilization": 0.6,
                     "scaleDownStabilizationSeconds": 0},
        "lambda": {"manageConcurrency": False},
        "outage": {"behavior": "cluster", "gracePeriodSeconds": 2},
    }  # fmt: skip
    spec.update(overrides)
    return spec


def create_policy(
    plane: ControlPlane, name: str, spec: dict[str, Any], namespace: str = NAMESPACE
) -> None:
    body = {
        "apiVersion": "overflow.exams.dev/v1alpha1",
        "kind": "OverflowPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    plane.kubectl("create", "-f", "-", stdin=to_yaml([body]))


def policy(plane: ControlPlane, name: str, namespace: str = NAMESPACE) -> dict[str, Any] | None:
    found: dict[str, Any] | None = get_json(plane, "ofp", name, namespace=namespace)
    return found


def status(plane: ControlPlane, name: str, namespace: str = NAMESPACE) -> dict[str, Any]:
    return dict((policy(plane, name, namespace) or {}).get("status") or {})


def condition(plane: ControlPlane, name: str, kind: str, namespace: str = NAMESPACE) -> Any:
    for cond in status(plane, name, namespace).get("conditions", []):
        if cond["type"] == kind:
            return cond
    return None


def event_reasons(plane: ControlPlane, name: str, namespace: str = NAMESPACE) -> list[str]:
    events = get_json(
        plane, "events", f"--field-selector=involvedObject.name={name}", namespace=namespace
    )
    return [e["reason"] for e in events["items"]]


def replicas(plane: ControlPlane, deployment: str, namespace: str = NAMESPACE) -> int:
    return int(get_json(plane, "deployment", deployment, namespace=namespace)["spec"]["replicas"])


async def wait_for(check: Callable[[], Any], within: float, what: str, *, tail: Any = None) -> Any:
    """Poll ``check`` every 0.3 s until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{tail.log_tail()}" if tail is not None else ""
            raise AssertionError(f"timed out after {within}s waiting for {what}{extra}")
        await asyncio.sleep(0.3)


def operator_calls(plane: ControlPlane, since: str = "") -> list[dict[str, Any]]:
    """The operator ServiceAccount's requests in the audit log (answered, at ResponseComplete)."""
    return [
        e for e in plane.audit_events(OPERATOR_USER)
        if e.get("stage") == "ResponseComplete" and e.get("requestReceivedTimestamp", "") >= since
    ]  # fmt: skip


def call_key(event: dict[str, Any]) -> tuple[str, str, str]:
    """(apiGroup, resource[/subresource], verb) of one audit event."""
    ref = event.get("objectRef") or {}
    resource = ref.get("resource", "")
    if ref.get("subresource"):
        resource = f"{resource}/{ref['subresource']}"
    return ref.get("apiGroup", ""), resource, event["verb"]
