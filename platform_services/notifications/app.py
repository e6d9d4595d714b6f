"""The notifications service's FastAPI app factory and SSE routes (thin: authorise, stream).

Run by ``assessment-engine notifications``; tests run it with uvicorn (streaming needs a real
server). ``create_app(settings, redis, verifier)``; the lifespan starts and stops the hub.
Proctor authorisation: the exam's owner from the exam store (``common.exams``), or an admin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sse_starlette import EventSourceResponse

from platform_services.common.errors import PlatformError
from platform_services.common.exams import exam_ownership
from platform_services.common.http import (
    ErrorBody,
    install_cors,
    install_error_handlers,
    ops_router,
)
from platform_services.identity.bearer import AUTH_STATUSES, stream_claims
from platform_services.identity.claims import Claims
from platform_services.identity.verify import JwksKeySource, TokenVerifier
from platform_services.notifications import views
from platform_services.notifications.errors import (
    ExamNotFoundError,
    NotAllowedError,
    TooManyStreamsError,
)
from platform_services.notifications.hub import Hub
from platform_services.notifications.metrics import NotifyMetrics
from platform_services.notifications.settings import NotifySettings, get_settings
from platform_services.notifications.streams import StudentRenderer, event_stream

STATUSES: dict[type[PlatformError], int] = {
    **AUTH_STATUSES,
    ExamNotFoundError: 404,
    NotAllowedError: 403,
    TooManyStreamsError: 503,
}
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorBody} for c in (401, 403, 404, 503)}
STREAM_ID = r"^\d{1,20}-\d{1,20}$"
Caller = Annotated[Claims, Depends(stream_claims)]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", pattern=STREAM_ID)]


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(_hub)]


def create_app(
    settings: NotifySettings | None = None,
    redis: Redis | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    owns_redis = redis is None
    client: Redis = redis if redis is not None else Redis.from_url(settings.redis_url)
    registry = CollectorRegistry()
    hub = Hub(client, settings, NotifyMetrics.create(registry))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.stop()
        if owns_redis:
            await client.aclose()

    app = FastAPI(title="notifications", lifespan=lifespan, responses=ERRORS)
    app.state.hub = hub
    app.state.verifier = verifier or TokenVerifier(
        JwksKeySource(settings.jwks_url),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    install_error_handlers(app, STATUSES)

    async def ready() -> None:
        await client.ping()
        if not hub.running:
            raise RuntimeError("the event tail is not running")

    app.include_router(ops_router(registry, ready))
    _routes(app)
    install_cors(app, settings.cors_origins)
    return app


def _response(stream: AsyncIterator[Any], settings: NotifySettings) -> EventSourceResponse:
    return EventSourceResponse(
        stream,
        ping=int(settings.ping_seconds),
        send_timeout=settings.send_timeout_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _routes(app: FastAPI) -> None:
    @app.get("/v1/students/me/stream")
    async def student_stream(
        caller: Caller,
        hub: HubDep,
        last_event_id: LastEventId = None,
        resume: Annotated[str | None, Query(pattern=STREAM_ID)] = None,
    ) -> EventSourceResponse:
        if caller.role != "student":
            raise NotAllowedError("this stream is for students", {"role": caller.role})
        renderer = StudentRenderer(hub, caller.sub)
        hub.check_capacity()
        stream = event_stream(
            hub,
            renderer.accepts,
            renderer.render,
            audience="student",
            claims=caller,
            last_event_id=last_event_id or resume,
        )
        return _response(stream, hub.settings)

    @app.get("/v1/exams/{exam_id}/monitor/stream")
    async def monitor_stream(
        exam_id: str,
        caller: Caller,
        hub: HubDep,
        last_event_id: LastEventId = None,
        resume: Annotated[str | None, Query(pattern=STREAM_ID)] = None,
    ) -> EventSourceResponse:
        if caller.role not in ("proctor", "admin"):
            raise NotAllowedError("the exam monitor is for proctors", {"role": caller.role})
        ownership = await exam_ownership(hub.redis, exam_id)
        if ownership is None:
            raise ExamNotFoundError("no such exam", {"exam_id": exam_id})
        if caller.role != "admin" and ownership.owner != caller.sub:
            raise NotAllowedError("this exam belongs to another proctor", {"exam_id": exam_id})

        async def render(event: Any) -> dict[str, Any]:
            return views.proctor_payload(event)

        async def backlog() -> dict[str, Any]:
            return await hub.backlog(exam_id)

        def accepts(event: Any) -> bool:
            return views.proctor_candidate(event, exam_id)

        hub.check_capacity()
        stream = event_stream(
            hub,
            accepts,
            render,
            audience="proctor",
            claims=caller,
            last_event_id=last_event_id or resume,
            backlog=backlog,
        )
        return _response(stream, hub.settings)
