"""HTTP errors of the API and the one error body every non-2xx response carries.

    ApiError                 an HTTP error with a typed body (status, code, message, details)
    ├── AuthenticationError  401 with WWW-Authenticate: missing, invalid or expired token
    └── AuthorizationError   403: wrong role or not the owner

Domain errors (``assessment_engine.exams.errors``), storage errors and Redis outages are
translated here, at the edge only (``install_error_handlers``); messages never carry key
material.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from assessment_engine.exams import errors as rules
from assessment_engine.exams.admission import retry_after_header
from assessment_engine.storage import errors as storage


class ErrorBody(BaseModel):
    """The single error schema of the API."""

    code: str = Field(description="Stable machine-readable code, e.g. ``deadline_passed``.")
    message: str = Field(description="Human-readable explanation.")
    details: dict[str, Any] = Field(default_factory=dict)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(code=code, message=message, details=details or {})
        self.headers = headers or {}


class AuthenticationError(ApiError):
    def __init__(self, code: str, message: str) -> None:
        challenge = (
            f'Bearer realm="exam-platform", error="invalid_token", error_description="{message}"'
        )
        if code == "missing_token":
            challenge = 'Bearer realm="exam-platform"'
        super().__init__(401, code, message, headers={"WWW-Authenticate": challenge})


class AuthorizationError(ApiError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(403, "forbidden", message, details)


_RULE_STATUS: list[tuple[type[rules.ExamRuleError], int]] = [
    (rules.NotFoundError, 404),
    (rules.ForbiddenError, 403),
    (rules.ConflictError, 409),
    (rules.DeadlinePassedError, 409),
    (rules.InvalidExamError, 422),
    (rules.RateLimitedError, 429),
]


def from_rule(exc: rules.ExamRuleError) -> ApiError:
    status = next((s for cls, s in _RULE_STATUS if isinstance(exc, cls)), 400)
    headers = {}
    if isinstance(exc, rules.RateLimitedError):
        headers["Retry-After"] = retry_after_header(exc.retry_after)
    return ApiError(status, exc.code, exc.message, exc.details, headers)


def from_storage(exc: storage.StorageError) -> ApiError:
    if isinstance(exc, storage.RecordNotFoundError):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, storage.ImmutableRecordError):
        return ApiError(409, "conflict", str(exc))
    return ApiError(500, "corrupt_record", "a stored record could not be read")


def _response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body.model_dump(mode="json"), error.status, headers=error.headers)


_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


def _clean_validation(errors: Any) -> list[dict[str, Any]]:
    """Validation errors without echoing the input (it may be long or sensitive)."""
    return [
        {
            "loc": list(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _path_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


def _allowed_methods(request: Request) -> str:
    """Every method of the path (Starlette's 405 names only the first route that matched):
    the OpenAPI document's operations of the path, and the undocumented routes' methods."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _path_regex(template).match(path):
            methods.update(m.upper() for m in operations)
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\0"})
        if match is Match.PARTIAL:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _refused_before_dependencies(request: Request) -> ApiError | None:
    """The 401/403 a request would get, for refusals made before dependencies run."""
    from assessment_engine.api.auth import authenticate_route  # auth imports this module

    try:
        await authenticate_route(request)
    except ApiError as denied:
        return denied
    return None


def _undecodable(errors: Any) -> bool:
    return any(e.get("type") == "json_invalid" for e in errors)


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return _response(exc)

    async def rule_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, rules.ExamRuleError)
        return _response(from_rule(exc))

    async def storage_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, storage.StorageError)
        return _response(from_storage(exc))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if _undecodable(exc.errors()) and (denied := await _refused_before_dependencies(request)):
            return _response(denied)
        details = {"errors": _clean_validation(exc.errors())}
        return _response(ApiError(422, "validation_error", "the request is invalid", details))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and (denied := await _refused_before_dependencies(request)):
            return _response(denied)
        code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return _response(ApiError(exc.status_code, code, str(exc.detail), headers=headers))

    async def redis_down(_: Request, exc: Exception) -> JSONResponse:
        return _response(
            ApiError(
                503,
                "storage_unavailable",
                "storage is unavailable; retry",
                headers={"Retry-After": "1"},
            )
        )

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return _response(ApiError(500, "internal_error", "unexpected server error"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(rules.ExamRuleError, rule_error)
    app.add_exception_handler(storage.StorageError, storage_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RedisConnectionError, redis_down)
    app.add_exception_handler(RedisTimeoutError, redis_down)
    app.add_exception_handler(Exception, unexpected)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entry: these error statuses carry ``ErrorBody``."""
    descriptions = {
        400: "Undecodable request body (not UTF-8 JSON text); ``bad_request``.",
        401: "Missing, invalid or expired bearer token (WWW-Authenticate set).",
        403: "Wrong role, not the owner, or not on the roster.",
        404: "Not found (or not visible to the caller).",
        409: "Conflict with the current state (stale save, deadline passed, already done).",
        413: "Request body larger than the configured limit.",
        422: "Invalid request body or parameters; details list every error.",
        429: "Admission control: retry after the Retry-After seconds.",
        503: "Storage unavailable; retry.",
    }
    return {s: {"model": ErrorBody, "description": descriptions.get(s, "Error.")} for s in statuses}


BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def annotate_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """What the route declarations cannot say: every ``/v1`` operation (but the development
    issuer's) needs the bearer token and may be denied (401, 403); every operation with a body
    may get 400 ``bad_request`` for an undecodable one."""
    descriptions = documented(400, 401, 403)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    document.setdefault("components", {}).setdefault("securitySchemes", {}).update(BEARER)
    for path, operations in document.get("paths", {}).items():
        guarded = path.startswith("/v1/") and not path.startswith("/v1/dev/")
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            needed = ([401, 403] if guarded else []) + ([400] if "requestBody" in operation else [])
            for status in needed:
                responses.setdefault(
                    str(status),
                    {"description": descriptions[status]["description"], "content": error},
                )
            if guarded:
                operation["security"] = [{"bearerAuth": []}]
    return document
