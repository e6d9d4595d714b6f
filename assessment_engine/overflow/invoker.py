"""The Lambda adapter: one synchronous boto3 ``Invoke`` of a batch, errors typed at this edge.

Used by ``dispatcher.Dispatcher`` from its own thread pool (``run_in_executor``). The botocore
client is configured deliberately (see ``docs/overflow.md``): read timeout above the function
timeout so a slow batch is not cut off (and re-sent) by the client; one attempt in total, because
a botocore retry on a read timeout runs the function twice and a retry on 429 hides the throttle
the dispatcher must react to by handing work back to the cluster; a short connect timeout; a
connection pool as large as the dispatcher's concurrency cap.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from assessment_engine.overflow.errors import (
    FunctionFailedError,
    InvokeRejectedError,
    InvokeThrottledError,
    InvokeTimeoutError,
    LambdaUnavailableError,
)
from assessment_engine.overflow.settings import DispatcherSettings


@dataclass(frozen=True)
class InvokeResult:
    body: dict[str, Any]
    wall_s: float
    log_tail: str
    executed_version: str | None


def client_config(settings: DispatcherSettings) -> Config:
    return Config(
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": settings.total_max_attempts},
        max_pool_connections=settings.max_concurrency_cap,
        tcp_keepalive=True,
    )


class LambdaInvoker:
    def __init__(self, settings: DispatcherSettings) -> None:
        self.client: Any = boto3.client(
            "lambda",
            region_name=settings.region,
            endpoint_url=settings.lambda_endpoint_url,
            config=client_config(settings),
        )

    def invoke(self, function: str, qualifier: str | None, payload: dict[str, Any]) -> InvokeResult:
        """Invoke synchronously (RequestResponse, LogType Tail for the billed duration).

        Raises an ``InvokeFailedError`` subclass whenever the batch was not graded.
        """
        kwargs: dict[str, Any] = {
            "FunctionName": function,
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": json.dumps(payload).encode(),
        }
        if qualifier:
            kwargs["Qualifier"] = qualifier
        started = time.perf_counter()
        try:
            response = self.client.invoke(**kwargs)
            raw = response["Payload"].read()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            if code == "TooManyRequestsException":
                raise InvokeThrottledError(exc.response.get("Reason")) from exc
            raise InvokeRejectedError(code, str(error.get("Message", ""))) from exc
        except ReadTimeoutError as exc:
            raise InvokeTimeoutError(f"no response within the read timeout: {exc}") from exc
        except (ConnectTimeoutError, EndpointConnectionError, ConnectionError) as exc:
            raise LambdaUnavailableError(str(exc)) from exc
        wall_s = time.perf_counter() - started
        log_tail = base64.b64decode(response.get("LogResult") or b"").decode(errors="replace")
        body = _json(raw)
        if response.get("FunctionError"):
            error_type = str(body.get("errorType", "Unknown"))
            message = str(body.get("errorMessage", ""))[:300]
            if error_type == "Sandbox.Timedout":
                raise InvokeTimeoutError(message)
            raise FunctionFailedError(error_type, message)
        return InvokeResult(body, wall_s, log_tail, response.get("ExecutedVersion"))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {"errorType": "InvalidResponse", "errorMessage": "function returned non-JSON"}
    return value if isinstance(value, dict) else {"errorType": "InvalidResponse"}
