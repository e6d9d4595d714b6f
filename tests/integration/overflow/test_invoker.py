"""The dispatcher's boto3 adapter: each Lambda outcome becomes one typed error, with no retries."""

from __future__ import annotations

import time

import pytest

from assessment_engine.overflow.errors import (
    FunctionFailedError,
    InvokeRejectedError,
    InvokeThrottledError,
    InvokeTimeoutError,
    LambdaUnavailableError,
)
from assessment_engine.overflow.invoker import LambdaInvoker
from exam_stack.localstack.ports import free_port

from .conftest import dispatcher_settings, lambda_client


def invocations(stack, function: str) -> float:
    registry = stack.service.metrics.registry
    total = 0.0
    for outcome in ("ok", "function_error", "timeout", "crash", "init_error"):
        labels = {"function": function, "outcome": outcome}
        total += registry.get_sample_value("local_lambda_invocations_total", labels) or 0.0
    return total


def throttles(stack, function: str) -> float:
    labels = {"function": function, "reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
    value = stack.service.metrics.registry.get_sample_value("local_lambda_throttles_total", labels)
    return value or 0.0


def test_success_returns_the_body_and_the_billed_duration_log(lambda_stack) -> None:
    invoker = LambdaInvoker(dispatcher_settings(lambda_stack))
    result = invoker.invoke("slow", "live", {"seconds": 0})
    assert result.body == {"slept": 0}
    assert result.executed_version == "1"
    assert "Billed Duration:" in result.log_tail


def test_throttle_is_raised_after_exactly_one_attempt(lambda_stack) -> None:
    lam = lambda_client(lambda_stack.endpoint_url)
    lam.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=0)
    try:
        before = throttles(lambda_stack, "slow")
        with pytest.raises(InvokeThrottledError) as caught:
            LambdaInvoker(dispatcher_settings(lambda_stack)).invoke("slow", None, {})
        assert caught.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert throttles(lambda_stack, "slow") == before + 1  # botocore did not retry
    finally:
        lam.delete_function_concurrency(FunctionName="slow")


def test_function_timeout_and_function_error_are_typed(lambda_stack) -> None:
    invoker = LambdaInvoker(dispatcher_settings(lambda_stack))
    with pytest.raises(InvokeTimeoutError, match="Task timed out"):
        invoker.invoke("sleepy", None, {"seconds": 5})
    with pytest.raises(FunctionFailedError) as caught:
        invoker.invoke("slow", None, {"seconds": 0, "fail": True})
    assert caught.value.error_type == "RuntimeError"


def test_read_timeout_is_not_retried_so_the_function_runs_once(lambda_stack) -> None:
    # the dispatcher believes the function times out at 0.5 s: read timeout = 0.5 + 1 s margin
    settings = dispatcher_settings(lambda_stack, function_timeout_s=0.5, read_timeout_margin_s=1)
    before = invocations(lambda_stack, "slow")
    with pytest.raises(InvokeTimeoutError, match="read timeout"):
        LambdaInvoker(settings).invoke("slow", None, {"seconds": 3})
    pool = lambda_stack.service.registry.get("slow")
    deadline = time.monotonic() + 20
    while (pool.busy or pool.starting) and time.monotonic() < deadline:
        time.sleep(0.05)  # let the abandoned invocation (and any retry) finish
    assert not pool.busy
    assert invocations(lambda_stack, "slow") == before + 1  # botocore did not re-send it


def test_unknown_function_and_dead_endpoint_are_typed(lambda_stack) -> None:
    with pytest.raises(InvokeRejectedError) as caught:
        LambdaInvoker(dispatcher_settings(lambda_stack)).invoke("nope", None, {})
    assert caught.value.code == "ResourceNotFoundException"
    dead = dispatcher_settings(lambda_stack, lambda_endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(LambdaUnavailableError):
        LambdaInvoker(dead).invoke("slow", None, {})
