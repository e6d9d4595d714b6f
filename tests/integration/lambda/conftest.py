"""Fixtures: one local Lambda service per module with probe functions and the grading function.

The service runs in a background thread (its own event loop) so that unmodified synchronous
boto3 and the AWS CLI can call it; environments are real ``python -m awslambdaric`` processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from overflow_functions.build import HANDLER, build
from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
from overflow_functions.local_lambda.server import LocalLambdaService, ServiceThread

from .handlers import BROKEN, PROBE

PROBE_TIMEOUT = 2.0


@dataclass
class RunningService:
    service: LocalLambdaService
    thread: ServiceThread
    code_root: Path

    @property
    def endpoint_url(self) -> str:
        return self.service.endpoint_url

    def client(self, **config: object) -> object:
        return lambda_client(self.endpoint_url, **config)


def lambda_client(endpoint_url: str, **config: object):
    """A plain boto3 Lambda client; one attempt so throttles and timeouts are observable."""
    options: dict[str, object] = {"retries": {"total_max_attempts": 1}, "read_timeout": 30}
    options.update(config)
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**options),
    )


@pytest.fixture(scope="module")
def code_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("functions")
    (root / "probe").mkdir()
    (root / "probe" / "probe.py").write_text(PROBE)
    (root / "broken").mkdir()
    (root / "broken" / "broken.py").write_text(BROKEN)
    build(root / "grader")
    return root


def probe_functions(code_root: Path) -> list[FunctionConfig]:
    return [
        FunctionConfig(
            name="probe",
            handler="probe.handler",
            code_dir=code_root / "probe",
            timeout=PROBE_TIMEOUT,
            memory_size=256,
        ),
        FunctionConfig(
            name="probe-reserved",
            handler="probe.handler",
            code_dir=code_root / "probe",
            timeout=PROBE_TIMEOUT,
            reserved_concurrency=1,
        ),
        FunctionConfig(name="broken", handler="broken.handler", code_dir=code_root / "broken"),
        FunctionConfig(name="no-handler", handler="probe.missing", code_dir=code_root / "probe"),
        FunctionConfig(
            name="grader",
            handler=HANDLER,
            code_dir=code_root / "grader",
            timeout=10,
            memory_size=1024,
            environment={
                "POWERTOOLS_SERVICE_NAME": "exam-grader",
                "POWERTOOLS_METRICS_NAMESPACE": "ExamOverflow",
            },
        ),
    ]


@pytest.fixture(scope="module")
def running_service(code_root: Path) -> Iterator[RunningService]:
    settings = LocalLambdaSettings(port=0, account_concurrency=8, event_retry_delay=0.1)
    service = LocalLambdaService(settings, probe_functions(code_root))
    thread = ServiceThread(service).start()
    yield RunningService(service, thread, code_root)
    thread.stop()


@pytest.fixture
def lam(running_service: RunningService):
    return lambda_client(running_service.endpoint_url)
