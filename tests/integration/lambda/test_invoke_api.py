"""Invoke API through unmodified boto3 against real awslambdaric environments."""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import PROBE_TIMEOUT, RunningService


def invoke(lam, name: str, event: dict[str, Any], **kwargs):
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


def cold_starts(service: RunningService, function: str) -> float:
    value = service.service.metrics.registry.get_sample_value(
        "local_lambda_cold_starts_total", {"function": function, "init_type": "on-demand"}
    )
    return value or 0.0


def test_cold_start_then_warm_invokes_reuse_the_same_environment(lam, running_service) -> None:
    before = cold_starts(running_service, "probe")
    first, body1 = invoke(lam, "probe", {"op": "hello"})
    _second, body2 = invoke(lam, "probe", {"op": "hello"})
    assert first["StatusCode"] == 200
    assert "FunctionError" not in first
    assert body1["pid"] == body2["pid"]
    assert body2["invocations"] == body1["invocations"] + 1  # module globals survive: warm
    assert cold_starts(running_service, "probe") == before + 1


def test_context_carries_deadline_arn_memory_version_and_client_context(lam) -> None:
    context = base64.b64encode(json.dumps({"custom": {"course": "cs101"}}).encode()).decode()
    response, body = invoke(lam, "probe:live", {"op": "ctx"}, ClientContext=context)
    assert response["ExecutedVersion"] == "1"
    assert 0 < body["remaining_ms"] <= PROBE_TIMEOUT * 1000
    assert body["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:probe:live"
    assert body["memory"] == "256"
    assert body["version"] == "1"
    assert body["client_context"] == {"course": "cs101"}
    unqualified, _ = invoke(lam, "probe", {})
    assert unqualified["ExecutedVersion"] == "$LATEST"


def test_runtime_sees_the_environment_variables_lambda_defines(lam, running_service) -> None:
    _, body = invoke(lam, "probe:live", {"op": "env"})
    env = body["environ"]
    code_dir = str(running_service.code_root / "probe")
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "probe"  # the sandbox takes rlimits on seeing it
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "1"
    assert env["LAMBDA_TASK_ROOT"] == code_dir == body["cwd"]
    assert env["_HANDLER"] == "probe.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/probe"
    assert "/[1]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert Path(env["LAMBDA_RUNTIME_DIR"], "awslambdaric").is_dir()
    assert env["TZ"] == ":UTC"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")  # set per invoke by awslambdaric
    for name in ("AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert env[name]
    assert "AWS_LAMBDA_MAX_CONCURRENCY" not in env


def test_handler_exception_is_an_unhandled_function_error_and_keeps_the_environment(lam) -> None:
    _, before = invoke(lam, "probe", {})
    response, body = invoke(lam, "probe", {"op": "fail"})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "probe failure"
    _, after = invoke(lam, "probe", {})
    assert after["pid"] == before["pid"]


def test_timeout_kills_the_environment_and_answers_sandbox_timedout(lam) -> None:
    _, before = invoke(lam, "probe", {})
    response, body = invoke(lam, "probe", {"op": "sleep", "seconds": PROBE_TIMEOUT + 5})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in body["errorMessage"]
    _, after = invoke(lam, "probe", {})
    assert after["pid"] != before["pid"]
    assert after["invocations"] == 1  # a fresh environment: cold again


def test_crashed_runtime_reports_exit_error_and_is_replaced(lam) -> None:
    _, before = invoke(lam, "probe", {})
    response, body = invoke(lam, "probe", {"op": "exit"})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in body["errorMessage"]
    _, after = invoke(lam, "probe", {})
    assert after["pid"] != before["pid"]


@pytest.mark.parametrize(
    ("function", "error_type"),
    [("broken", "Runtime.ImportModuleError"), ("no-handler", "Runtime.HandlerNotFound")],
)
def test_init_errors_come_back_as_unhandled_with_the_runtime_error_type(
    lam, function: str, error_type: str
) -> None:
    response, body = invoke(lam, function, {})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type


def test_unknown_function_or_qualifier_raises_resource_not_found(lam) -> None:
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as caught:
        lam.invoke(FunctionName="nope", Payload=b"{}")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "function:nope" in caught.value.response["Error"]["Message"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="probe", Qualifier="nosuchalias", Payload=b"{}")


def test_invalid_json_payload_raises_invalid_request_content(lam) -> None:
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName="probe", Payload=b"{not json")


def test_reserved_concurrency_used_up_raises_too_many_requests_with_reason(
    lam, running_service
) -> None:
    pool = running_service.service.registry.get("probe-reserved")
    results: list[Any] = []
    slow = threading.Thread(
        target=lambda: results.append(invoke(lam, "probe-reserved", {"op": "sleep", "seconds": 1}))
    )
    slow.start()
    deadline = time.monotonic() + 10
    while not pool.busy and time.monotonic() < deadline:  # wait until the slot is taken
        time.sleep(0.01)
    assert pool.busy, "the slow invoke never started"
    with pytest.raises(lam.exceptions.TooManyRequestsException) as caught:
        lam.invoke(FunctionName="probe-reserved", Payload=b"{}")
    slow.join()
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert results
    assert results[0][0]["StatusCode"] == 200


def test_reserved_concurrency_zero_throttles_every_invoke(lam) -> None:
    lam.put_function_concurrency(FunctionName="probe-reserved", ReservedConcurrentExecutions=0)
    try:
        with pytest.raises(lam.exceptions.TooManyRequestsException):
            lam.invoke(FunctionName="probe-reserved", Payload=b"{}")
    finally:
        lam.put_function_concurrency(FunctionName="probe-reserved", ReservedConcurrentExecutions=1)


def test_event_invocation_is_accepted_with_202_and_runs_later(lam, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    response = lam.invoke(
        FunctionName="probe",
        InvocationType="Event",
        Payload=json.dumps({"op": "touch", "path": str(marker)}).encode(),
    )
    assert response["StatusCode"] == 202
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.read_text() == "x"


def test_dry_run_answers_204_without_running(lam) -> None:
    response = lam.invoke(FunctionName="probe", InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="nope", InvocationType="DryRun", Payload=b"{}")


def test_log_tail_returns_the_invocation_log_with_report_line(lam) -> None:
    response, _ = invoke(lam, "probe", {"op": "logme"}, LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "probe op logme" in log
    assert "START RequestId:" in log
    assert "REPORT RequestId:" in log
    assert len(response["LogResult"]) <= 4 * 1024 * 4 // 3 + 4


def test_metrics_endpoint_reports_invocations_and_environments(lam, running_service) -> None:
    import httpx

    invoke(lam, "probe", {})
    text = httpx.get(f"{running_service.endpoint_url}/metrics").text
    assert 'local_lambda_invocations_total{function="probe",outcome="ok"}' in text
    assert "local_lambda_environments{" in text
    assert "local_lambda_cold_starts_total" in text
