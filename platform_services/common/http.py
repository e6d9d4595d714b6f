"""HTTP edge helpers shared by the platform services' FastAPI apps.

Each app factory calls ``install_error_handlers`` with its own ``error -> status`` table (the only
place a domain error becomes an HTTP status) and mounts ``ops_router`` for ``/healthz``,
``/readyz`` and ``/metrics``. Error bodies are the typed ``ErrorBody`` model everywhere.
``install_cors`` lets the web pages' origin (``cors_origins`` of each service's settings) call
the service from a browser; it is added last, so even error responses carry the CORS headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel, Field

from platform_services.common.errors import PlatformError


class ErrorBody(BaseModel):
    """What every non-2xx response of a platform service carries."""

    error: str = Field(description="Stable machine-readable code, e.g. `invalid_credentials`.")
    message: str = Field(description="Human-readable explanation; never contains secrets or keys.")
    details: dict[str, Any] = Field(default_factory=dict)


def error_response(
    status: int, body: ErrorBody, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(), headers=dict(headers or {}))


def install_error_handlers(app: FastAPI, statuses: Mapping[type[PlatformError], int]) -> None:
    """Translate ``PlatformError`` subclasses to typed bodies; the most specific class wins."""

    def status_for(exc: PlatformError) -> int:
        for klass in type(exc).__mro__:
            if klass in statuses:
                return statuses[klass]
        return 500

    async def on_platform_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PlatformError)
        body = ErrorBody(error=exc.code, message=str(exc), details=exc.details)
        return error_response(status_for(exc), body, exc.headers())

    async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        body = ErrorBody(
            error="invalid_request", message="the request is malformed", details={"errors": errors}
        )
        return error_response(422, body)

    app.add_exception_handler(PlatformError, on_platform_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def ops_router(registry: CollectorRegistry, ready: Callable[[], Awaitable[None]]) -> APIRouter:
    """``/healthz`` (process alive), ``/readyz`` (``ready()`` raised nothing), ``/metrics``."""
    router = APIRouter(tags=["ops"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"model": ErrorBody}})
    async def readyz() -> Response:
        try:
            await ready()
        except Exception as exc:  # any dependency failure means "not ready"
            body = ErrorBody(error="not_ready", message=f"{type(exc).__name__}: {exc}")
            return error_response(503, body)
        return JSONResponse({"status": "ready"})

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"]
CORS_EXPOSED = ["Retry-After", "Content-Disposition", "WWW-Authenticate"]


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Allow browser calls from ``origins`` (the web pages); nothing is added when empty."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )
