"""``create_app(settings) -> FastAPI``: the assessment service, wired once per process.

Called by ``assessment-engine serve`` (uvicorn) and by the integration tests. The lifespan
opens the Redis client, starts the auto-submit sweeper and closes both on shutdown. With
``cors_origins`` set, browsers on those origins (the web pages) may call it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from assessment_engine.api.auth import build_verifier
from assessment_engine.api.context import AppContext, Clock, utc_clock
from assessment_engine.api.errors import annotate_openapi, documented, install_error_handlers
from assessment_engine.api.middleware import BodySizeLimitMiddleware, MetricsMiddleware
from assessment_engine.api.routes import dev, grading, me, ops, proctor, schedule, student
from assessment_engine.api.services.sweeper import run_sweeper
from assessment_engine.api.settings import ApiSettings
from assessment_engine.storage import exams as exam_store
from assessment_engine.storage.client import create_redis


def create_app(
    settings: ApiSettings | None = None,
    *,
    clock: Clock = utc_clock,
    redis: aioredis.Redis | None = None,
) -> FastAPI:
    """The API. ``clock`` and ``redis`` are injectable for tests; the sweeper follows settings."""
    settings = settings or ApiSettings()
    client = redis or create_redis(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        wait_timeout_s=settings.redis_pool_timeout_seconds,
    )
    context = AppContext(redis=client, settings=settings, clock=clock)
    exam_store.CACHE.max_entries = settings.exam_cache_size

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = None
        if settings.sweeper_enabled:
            task = asyncio.create_task(run_sweeper(context, stop), name="auto-submit-sweeper")
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            if redis is None:
                await client.aclose()

    app = FastAPI(
        title="Assessment service",
        version="1.0.0",
        description="Proctors schedule and run exams; students take them. See docs/api.md.",
        lifespan=lifespan,
    )
    app.state.context = context

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = annotate_openapi(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.verifier = build_verifier(settings)
    install_error_handlers(app)
    # Every /v1 route can answer 422 (parameters, bodies) and 503 (storage) with ErrorBody;
    # declaring them here keeps FastAPI from documenting its own 422 schema instead.
    for router in (proctor.router, student.router, me.router, schedule.router, grading.router):
        app.include_router(router, responses=documented(422, 503))
    app.include_router(ops.router)
    if settings.dev_issuer:
        app.include_router(dev.router, responses=documented(422))
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(MetricsMiddleware)
    if settings.cors_origins:  # outermost, so refusals (413, 401, 429) carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After", "Content-Disposition", "WWW-Authenticate"],
            max_age=600,
        )
    return app
