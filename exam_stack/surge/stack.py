"""Start the whole local stack of a surge run with real components, on free ports.

redis-server (AOF always) → local Lambda service with real awslambdaric environments → the
assessment API → prometheus scraping everything at 1 s → the overflow dispatcher → the operator's
control loop in local mode, which starts and scales the grader workers.

On a 2-core machine the "cluster" (the operator and the workers it starts) is pinned to CPU 0
and the "Lambda" (the local service and its environments) to CPU 1, so that spilling adds real
capacity instead of competing for the same core; the API, Redis and Prometheus float.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from autoscaler_operator.policy import LOCAL_UTILIZATION_QUERY
from exam_stack.localstack.pages import PagesOptions, PagesStack, start_pages
from exam_stack.localstack.ports import free_port, wait_for_port
from exam_stack.localstack.processes import (
    PrometheusServer,
    RedisServer,
    require_binary,
    start_prometheus,
    start_redis,
)
from exam_stack.surge.supervisor import RUN_ENV, Supervisor

FUNCTION_NAME = "exam-grader"
# Grading compute (workers, Lambda environments) runs at lower priority than the API and Redis:
# in production they are separate machines and grading never delays an acknowledgement.
GRADING_NICE = 10
QUEUE = "grading"


@dataclass(frozen=True)
class StackConfig:
    workers: int = 2
    worker_concurrency: int = 1
    threshold: float = 0.70
    release_threshold: float = 0.60
    lambda_concurrency: int = 4
    batch_size: int = 4
    overflow: bool = True
    function_timeout_s: float = 30.0
    function_memory_mb: int = 1024
    # the web pages (identity, notifications, analytics, web) so a person can watch the surge in
    # the proctor console; the surge's exam is created by that console's proctor account
    console: bool = True


@dataclass
class Stack:
    config: StackConfig
    workdir: Path
    supervisor: Supervisor
    redis: RedisServer | None = None
    prometheus: PrometheusServer | None = None
    pages: PagesStack | None = None
    ports: dict[str, int] = field(default_factory=dict)
    # Prometheus's scrape jobs (name -> targets), to restart it with the same config
    prometheus_jobs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def lambda_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['lambda']}"

    @property
    def console_url(self) -> str | None:
        """The proctor console watching this run's students, when the pages run."""
        return self.pages.console_url if self.pages is not None else None

    def stop(self) -> None:
        self.supervisor.stop_all()
        if self.pages is not None:
            self.pages.stop()
        if self.prometheus is not None:
            self.prometheus.stop()
        if self.redis is not None:
            self.redis.stop()


def preflight() -> None:
    """Raise ``MissingBinaryError`` (naming the apt command) for a missing distro package."""
    require_binary("redis-server")
    require_binary("prometheus")


def _cpus() -> tuple[set[int] | None, set[int] | None]:
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return {available[0]}, {available[1]}


def _port_block(size: int) -> int:
    """A base port with ``size`` consecutive free ports."""
    for _ in range(50):
        base = free_port()
        if base + size < 65_000 and all(_is_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports found")


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _cli() -> list[str]:
    return [sys.executable, "-m", "exam_stack.cli"]


def _function_package(workdir: Path) -> Path:
    from overflow_functions.build import build

    out = workdir / "function"
    if out.exists():
        shutil.rmtree(out)
    build(out)
    return out


def policy_document(config: StackConfig, prometheus_url: str) -> dict[str, Any]:
    """The OverflowPolicy (CRD shape) the operator's local mode runs for the surge."""
    return {
        "apiVersion": "overflow.exams.dev/v1alpha1",
        "kind": "OverflowPolicy",
        "metadata": {"name": "surge", "namespace": "local"},
        "spec": {
            "queue": QUEUE,
            "prometheus": {"url": prometheus_url, "utilizationQuery": LOCAL_UTILIZATION_QUERY},
            "overflowThreshold": config.threshold,
            "releaseThreshold": config.release_threshold,
            "stabilization": {"enterSeconds": 2, "leaveSeconds": 4},
            "evaluationIntervalSeconds": 1,
            "replicas": {
                "min": 1,
                "max": config.workers,
                "targetUtilization": 0.7,
                "scaleDownStabilizationSeconds": 30,
            },
            "lambda": {
                "functionName": FUNCTION_NAME,
                "qualifier": "live",
                "maxConcurrency": config.lambda_concurrency,
                "batchSize": config.batch_size,
                "manageConcurrency": True,
            },
            "queueSpill": {"enabled": True, "latencyObjectiveSeconds": 15},
            "prewarm": {"enabled": False},
            "outage": {"behavior": "cluster", "gracePeriodSeconds": 10},
            "decisionTtlSeconds": 10,
        },
    }


def start_stack(config: StackConfig, workdir: Path) -> Stack:
    """Start every component; on failure stop what was started and re-raise."""
    preflight()
    workdir.mkdir(parents=True, exist_ok=True)
    stack = Stack(config, workdir, Supervisor(workdir))
    try:
        _start(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def _start(stack: Stack) -> None:
    config, workdir, sup = stack.config, stack.workdir, stack.supervisor
    cluster_cpus, lambda_cpus = _cpus()
    stack.redis = start_redis(workdir / "redis")
    redis_url = stack.redis.url
    ports = stack.ports
    for name in ("lambda", "api", "dispatcher_metrics", "operator_metrics"):
        ports[name] = free_port()
    ports["workers_base"] = _port_block(config.workers)
    api_auth: dict[str, str] = {}
    if config.console:
        # identity first: the API verifies the console's tokens through identity's JWKS, and the
        # simulated students' dev tokens carry the same issuer
        stack.pages = start_pages(
            workdir / "pages",
            redis_url,
            PagesOptions(
                start_api=False,
                api_port=ports["api"],
                worker=False,
                env={RUN_ENV: sup.run_id},
            ),
        )
        api_auth = {
            "ASSESSMENT_JWKS_URL": f"{stack.pages.identity_url}/.well-known/jwks.json",
            "ASSESSMENT_JWT_ISSUER": stack.pages.identity_url,
            "ASSESSMENT_CORS_ORIGINS": f'["{stack.pages.web_url}"]',
        }

    package = _function_package(workdir)
    functions = {
        "functions": [
            {
                "name": FUNCTION_NAME,
                "handler": "overflow_functions.grading_function.app.lambda_handler",
                "code_dir": str(package),
                "timeout": config.function_timeout_s,
                "memory_size": config.function_memory_mb,
                "environment": {
                    "POWERTOOLS_SERVICE_NAME": "exam-grader",
                    "POWERTOOLS_TRACE_DISABLED": "true",
                    "POWERTOOLS_METRICS_NAMESPACE": "ExamOverflow",
                    "SANDBOX_POOL_SIZE": "1",
                },
                "aliases": {"live": "1"},
            }
        ]
    }
    (workdir / "functions.yaml").write_text(yaml.safe_dump(functions))
    sup.start(
        "local-lambda",
        [
            *_cli(),
            "local-lambda",
            "--config",
            str(workdir / "functions.yaml"),
            "--port",
            str(ports["lambda"]),
            "--account-concurrency",
            str(max(config.lambda_concurrency, 1)),
            "--no-echo-logs",
        ],
        cpus=lambda_cpus,
        nice=GRADING_NICE,
    )
    api_env = {
        "ASSESSMENT_REDIS_URL": redis_url,
        "ASSESSMENT_DEV_ISSUER": "true",
        # One development key for the run: an API restarted by the supervisor (or --chaos)
        # must still accept the tokens the students were given before it died.
        "ASSESSMENT_DEV_ISSUER_SECRET": secrets.token_hex(32),
        "ASSESSMENT_ADMISSION_RATE_PER_SECOND": "500",
        "ASSESSMENT_ADMISSION_BURST": "500",
        **api_auth,
    }
    sup.start(
        "api", [*_cli(), "serve", "--host", "127.0.0.1", "--port", str(ports["api"])], env=api_env
    )
    worker_targets = [f"127.0.0.1:{ports['workers_base'] + i}" for i in range(config.workers)]
    jobs = {
        "api": [f"127.0.0.1:{ports['api']}"],
        "workers": worker_targets,
        "lambda": [f"127.0.0.1:{ports['lambda']}"],
        "operator": [f"127.0.0.1:{ports['operator_metrics']}"],
    }
    if config.overflow:
        jobs["dispatcher"] = [f"127.0.0.1:{ports['dispatcher_metrics']}"]
    stack.prometheus_jobs = jobs
    stack.prometheus = start_prometheus(workdir / "prometheus", jobs, scrape_interval="1s")
    wait_for_port("127.0.0.1", ports["lambda"], 30)
    wait_for_port("127.0.0.1", ports["api"], 30)
    _wait_ready(f"{stack.api_url}/readyz")
    aws_env = {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    if config.overflow:
        sup.start(
            "dispatcher",
            [
                *_cli(),
                "dispatcher",
                "--redis-url",
                redis_url,
                "--lambda-endpoint-url",
                stack.lambda_url,
                "--queue",
                QUEUE,
                "--on-missing",
                "cluster",
                "--function-timeout-s",
                str(config.function_timeout_s),
                "--function-memory-mb",
                str(config.function_memory_mb),
                "--metrics-port",
                str(ports["dispatcher_metrics"]),
            ],
            env=aws_env,
        )
    policy_path = workdir / "policy.yaml"
    policy_path.write_text(yaml.safe_dump(policy_document(config, stack.prometheus.url)))
    sup.start(
        "operator",
        [
            *_cli(),
            "operator",
            "local",
            "--policy",
            str(policy_path),
            "--metrics-port",
            str(ports["operator_metrics"]),
        ],
        env={
            **aws_env,
            "OPERATOR_REDIS_URL": redis_url,
            "OPERATOR_LAMBDA_ENDPOINT_URL": stack.lambda_url,
            "OPERATOR_WORKER_METRICS_BASE_PORT": str(ports["workers_base"]),
            "ASSESSMENT_WORKER_REDIS_URL": redis_url,
            "ASSESSMENT_WORKER_CONCURRENCY": str(config.worker_concurrency),
            "SANDBOX_POOL_SIZE": "1",
        },
        cpus=cluster_cpus,
        nice=GRADING_NICE,
    )
    dead = sup.check()
    if dead:
        raise RuntimeError(f"{dead[0].name} exited at start:\n{dead[0].log_tail()}")


def _wait_ready(url: str, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout}s")
