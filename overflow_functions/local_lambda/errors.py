"""Typed errors of the local Lambda service, translated to AWS wire errors only in ``wire.py``.

    LocalLambdaError                    base; carries the AWS error code, HTTP status and message
    ├── ResourceNotFoundError           404 ResourceNotFoundException: no such function/qualifier
    ├── ProvisionedConfigNotFoundError  404 ProvisionedConcurrencyConfigNotFoundException
    ├── InvalidParameterValueError      400 InvalidParameterValueException: fix the request
    ├── InvalidRequestContentError      400 InvalidRequestContentException: payload is not JSON
    ├── RequestTooLargeError            413 RequestEntityTooLargeException: payload above the limit
    ├── ResourceConflictError           409 ResourceConflictException: e.g. function exists
    └── ThrottledError                  429 TooManyRequestsException (+ ``Reason``): retry later

Callers of the service see these as ``client.exceptions.<Code>`` in botocore.
"""

from __future__ import annotations


class LocalLambdaError(Exception):
    """Base: an error the Lambda API reports before (or instead of) running the function."""

    code = "ServiceException"
    status = 500
    message_key = "Message"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResourceNotFoundError(LocalLambdaError):
    code = "ResourceNotFoundException"
    status = 404


class ProvisionedConfigNotFoundError(LocalLambdaError):
    code = "ProvisionedConcurrencyConfigNotFoundException"
    status = 404
    message_key = "message"


class InvalidParameterValueError(LocalLambdaError):
    code = "InvalidParameterValueException"
    status = 400
    message_key = "message"


class InvalidRequestContentError(LocalLambdaError):
    code = "InvalidRequestContentException"
    status = 400
    message_key = "message"


class RequestTooLargeError(LocalLambdaError):
    """Invoke body above the invocation type's limit. AWS answers ``RequestEntityTooLargeException``
    (not botocore's modeled ``RequestTooLargeException``), so botocore raises a plain
    ``ClientError`` whose ``Error.Code`` is that name."""

    code = "RequestEntityTooLargeException"
    status = 413
    message_key = "message"


class ResourceConflictError(LocalLambdaError):
    code = "ResourceConflictException"
    status = 409
    message_key = "message"


class ThrottledError(LocalLambdaError):
    """Concurrency used up; ``reason`` is one of botocore's ``ThrottleReason`` values."""

    code = "TooManyRequestsException"
    status = 429
    message_key = "message"

    def __init__(self, reason: str, message: str = "Rate Exceeded.") -> None:
        super().__init__(message)
        self.reason = reason
