"""Errors of the overflow dispatcher, named by what the dispatcher does next.

    DispatcherError                  base; never raised itself
    └── InvokeFailedError           the batch was not graded by Lambda: back off, release the
        │                           jobs to the cluster workers (nothing is lost)
        ├── InvokeThrottledError    429 TooManyRequestsException (``reason`` from Lambda)
        ├── InvokeTimeoutError      the function timed out (Sandbox.Timedout) or the read timed out
        ├── FunctionFailedError     the function raised (FunctionError: Unhandled/Handled)
        ├── InvokeRejectedError     any other Lambda API error (not found, 5xx, bad request)
        └── LambdaUnavailableError  no connection to the Lambda endpoint

Raised by ``invoker.LambdaInvoker`` (translating botocore at that edge, chained with
``raise ... from``) and handled only in ``dispatcher.Dispatcher``.
"""

from __future__ import annotations


class DispatcherError(Exception):
    """Base class of dispatcher errors."""


class InvokeFailedError(DispatcherError):
    """The invoke produced no usable batch result; ``kind`` labels the error metric."""

    kind = "error"


class InvokeThrottledError(InvokeFailedError):
    kind = "throttled"

    def __init__(self, reason: str | None) -> None:
        super().__init__(f"Lambda throttled the invoke ({reason or 'no reason given'})")
        self.reason = reason


class InvokeTimeoutError(InvokeFailedError):
    kind = "timeout"


class FunctionFailedError(InvokeFailedError):
    kind = "function_error"

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


class InvokeRejectedError(InvokeFailedError):
    kind = "rejected"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class LambdaUnavailableError(InvokeFailedError):
    kind = "unavailable"
