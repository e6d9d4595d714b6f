"""The operator across an API-server restart and an expired watch (410 Gone), on a real server.

A control plane of its own (restarting it would disturb the other tests), started with
``--watch-cache=false`` so that watches are served from etcd itself: after an etcd compaction a
watch from an older resourceVersion gets the real ``410 Gone``. In both cases the control loop
keeps deciding (the decision record in Redis never expires), and once the server is reachable
again the status shows the latest decision and spec, never a stale one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assessment_engine.contracts.decision_record import read_decision
from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY, PLURAL
from exam_stack.localstack.kube_control_plane import (
    ControlPlane,
    start_control_plane,
    write_kubeconfig,
)

from ...prometheus_support import wait_for_prometheus_value
from ..conftest import NAMESPACE, OPERATOR_SA, apply, grader_deployment, install_operator
from .conftest import condition, create_policy, policy, policy_spec, status, wait_for
from .relay import Relay

pytestmark = [pytest.mark.kube, pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory, kube_bin: Path) -> Iterator[ControlPlane]:
    started = start_control_plane(
        tmp_path_factory.mktemp("kube-resilience"), kube_bin, apiserver_args=["--watch-cache=false"]
    )
    install_operator(started)
    yield started
    started.stop()


@pytest.fixture
async def relay(plane: ControlPlane) -> AsyncIterator[Relay]:
    started = await Relay(plane.url, str(plane.certs.ca_cert)).start()
    yield started
    await started.stop()


async def decisions_stay_valid(redis, queue: str, seconds: float) -> list[int]:
    """Read the record every 0.25 s for ``seconds``; it must always be there and unexpired."""
    generations: list[int] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = await read_decision(redis, queue)
        assert record is not None, "the decision record expired: a decision was lost"
        assert record.valid_until > datetime.now(UTC)
        generations.append(record.generation)
        await asyncio.sleep(0.25)
    return generations


async def test_an_api_server_restart_loses_no_decision_and_leaves_no_stale_status(
    plane, run_operator, prometheus_factory, exporter, redis
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.3)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.3)
    apply(plane, [grader_deployment("grader", replicas=2)])
    operator = run_operator(plane.service_account_kubeconfig(NAMESPACE, OPERATOR_SA))
    create_policy(plane, "restart", policy_spec(prom.url, decisionTtlSeconds=5))
    await wait_for(lambda: status(plane, "restart").get("mode") == "cluster", 40, "first status",
                   tail=operator)  # fmt: skip

    plane.stop_apiserver()
    exporter.busy.labels("w1").set(0.9)  # the mode changes while the API server is down
    generations = await decisions_stay_valid(redis, "grading", 8)
    record = await read_decision(redis, "grading")
    assert record is not None
    assert record.mode == "overflow", "no decision was taken while the API server was down"
    assert generations == sorted(generations)
    assert len(set(generations)) >= 4  # it kept evaluating, once a second
    await asyncio.to_thread(plane.start_apiserver)

    await wait_for(lambda: status(plane, "restart").get("mode") == "overflow", 60,
                   "status caught up after the restart", tail=operator)  # fmt: skip
    await wait_for(lambda: (condition(plane, "restart", "Ready") or {}).get("status") == "True",
                   30, "Ready again after the restart", tail=operator)  # fmt: skip
    current = status(plane, "restart")
    latest = await read_decision(redis, "grading")
    assert latest is not None
    assert current["utilization"] == "0.90"
    assert current["spilling"] is True
    assert current["decisionGeneration"] >= record.generation
    assert condition(plane, "restart", "Overflowing")["status"] == "True"

    plane.kubectl("delete", "ofp", "restart", "-n", NAMESPACE, "--wait=false")
    await wait_for(lambda: policy(plane, "restart") is None, 30, "finalizer after restart")
    assert operator.stop() == 0, operator.log_tail()


async def test_an_expired_watch_is_restarted_and_the_new_spec_is_reconciled(
    plane, run_operator, relay, prometheus_factory, exporter, redis, tmp_path
):
    prom = prometheus_factory({"exporter": [exporter.target]})
    exporter.busy.labels("w1").set(0.8)
    await wait_for_prometheus_value(prom.url, LOCAL_UTILIZATION_QUERY, lambda v: v == 0.8)
    apply(plane, [grader_deployment("grader-gone", replicas=2)])
    token = plane.service_account_token(NAMESPACE, OPERATOR_SA)
    via_relay = write_kubeconfig(tmp_path / "relay.kubeconfig", relay.url, plane.certs.ca_cert,
                                 {"token": token})  # fmt: skip
    operator = run_operator(via_relay)
    spec = policy_spec(prom.url, queue="gone-q", target={"deployment": "grader-gone"})
    create_policy(plane, "gone", spec)
    await wait_for(lambda: status(plane, "gone").get("mode") == "overflow", 40, "overflow at 0.8",
                   tail=operator)  # fmt: skip

    relay.hold_watches(PLURAL)  # the operator's next watch of policies waits in the relay
    await relay.cut_watches()  # its current watch ends, as the server's timeout would end it
    await wait_for(lambda: relay.held >= 1, 20, "the operator re-listed and watches again")
    for change in (
        '{"spec": {"overflowThreshold": 0.9, "releaseThreshold": 0.85}}',
        '{"spec": {"lambda": {"batchSize": 7}}}',
    ):  # two writes after the list
        plane.kubectl("patch", "ofp", "gone", "-n", NAMESPACE, "--type=merge", "-p", change)
    generation = policy(plane, "gone")["metadata"]["generation"]
    # Compacting past the first write makes the held watch's resourceVersion (the list's)
    # older than etcd's history: the server must answer 410 Gone, not replay from there.
    plane.compact_etcd()
    relay.release_watches()

    await wait_for(lambda: relay.saw_gone, 20, "the API server's 410 Gone", tail=operator)
    await wait_for(lambda: status(plane, "gone").get("observedGeneration") == generation, 40,
                   "the new spec reconciled after the 410", tail=operator)  # fmt: skip
    await wait_for(lambda: status(plane, "gone").get("mode") == "cluster", 30,
                   "0.8 is below the new release threshold", tail=operator)  # fmt: skip
    current = status(plane, "gone")
    assert current["threshold"] == "0.90"
    record = await read_decision(redis, "gone-q")
    assert record is not None
    assert record.batch_size == 7
    assert record.mode == "cluster"
    assert current["decisionGeneration"] <= record.generation
    assert all(c["observedGeneration"] == generation for c in current["conditions"])

    plane.kubectl("delete", "ofp", "gone", "-n", NAMESPACE, "--wait=false")
    await wait_for(lambda: policy(plane, "gone") is None, 30, "finalizer via the relay")
    assert operator.stop() == 0, operator.log_tail()
