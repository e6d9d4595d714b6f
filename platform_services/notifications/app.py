"""The notifications service's FastAPI app factory and routes (thin: authorise, stream, beat).

Run by ``assessment-engine notifications``; tests run it with uvicorn (streaming needs a real
server). ``create_app(settings, redis, verifier)``; the lifespan starts and stops the hub and
the presence tracker. Proctor authorisation: the exam's owner from the exam store
(``common.exams``), or an admin. A student's stream with ``?exam_id=`` (an exam they sit) also
counts them present on that exam while its page beats it (``POST /v1/students/me/presence``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from sse_starlette import EventSourceResponse

from platform_services.common.errors import PlatformError
from platform_services.common.exams import exam_ownership, sits_exam
from platform_services.common.http import (
    ErrorBody,
    install_cors,
    install_error_handlers,
    ops_router,
)
from platform_services.identity.bearer import AUTH_STATUSES, bearer_claims, stream_claims
from platform_services.identity.claims import Claims
from platform_services.identity.verify import JwksKeySource, TokenVerifier
from platform_services.notifications import views
from platform_services.notifications.errors import (
    ExamNotFoundError,
    NotAllowedError,
    PresenceUnavailableError,
    StreamGoneError,
    TooManyStreamsError,
)
from platform_services.notifications.hub import Hub
from platform_services.notifications.metrics import NotifyMetrics
from platform_services.notifications.presence_store import PresenceStore
from platform_services.notifications.settings import NotifySettings, get_settings
from platform_services.notifications.streams import (
    StudentRenderer,
    backlog_events,
    connection_event,
    event_stream,
    presence_events,
)
from platform_services.notifications.tracker import Lease, PresenceTracker

STATUSES: dict[type[PlatformError], int] = {
    **AUTH_STATUSES,
    ExamNotFoundError: 404,
    NotAllowedError: 403,
    StreamGoneError: 404,
    TooManyStreamsError: 503,
    PresenceUnavailableError: 503,
}
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorBody} for c in (401, 403, 404, 503)}
STREAM_ID = r"^\d{1,20}-\d{1,20}$"
EXAM_ID = r"^[A-Za-z0-9_-]{1,64}$"
Caller = Annotated[Claims, Depends(stream_claims)]
BearerCaller = Annotated[Claims, Depends(bearer_claims)]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", pattern=STREAM_ID)]


class Beat(BaseModel):
    """The page's heartbeat for its open exam stream (from that stream's ``connection`` event)."""

    exam_id: str = Field(pattern=EXAM_ID)
    connection_id: str = Field(pattern=r"^[0-9a-f]{32}$")


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _tracker(request: Request) -> PresenceTracker:
    tracker: PresenceTracker = request.app.state.presence
    return tracker


HubDep = Annotated[Hub, Depends(_hub)]
TrackerDep = Annotated[PresenceTracker, Depends(_tracker)]


def create_app(
    settings: NotifySettings | None = None,
    redis: Redis | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    owns_redis = redis is None
    client: Redis = redis if redis is not None else Redis.from_url(settings.redis_url)
    registry = CollectorRegistry()
    metrics = NotifyMetrics.create(registry)
    hub = Hub(client, settings, metrics)
    store = PresenceStore(
        client,
        ttl_seconds=settings.presence_ttl_seconds,
        retention_seconds=settings.presence_retention_seconds,
    )
    tracker = PresenceTracker(store, settings, metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        yield
        await tracker.stop()
        await hub.stop()
        if owns_redis:
            await client.aclose()

    app = FastAPI(title="notifications", lifespan=lifespan, responses=ERRORS)
    app.state.hub = hub
    app.state.presence = tracker
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


async def _presence_lease(
    hub: Hub, tracker: PresenceTracker, exam_id: str, student_id: str
) -> Lease:
    """Register the student on the exam they sit (404 no such exam, 403 not theirs)."""
    sits = await sits_exam(hub.redis, exam_id, student_id)
    if sits is None:
        raise ExamNotFoundError("no such exam", {"exam_id": exam_id})
    if not sits:
        raise NotAllowedError("you do not sit this exam", {"exam_id": exam_id})
    return await tracker.join(exam_id, student_id)


def _routes(app: FastAPI) -> None:
    @app.get("/v1/students/me/stream")
    async def student_stream(
        caller: Caller,
        hub: HubDep,
        tracker: TrackerDep,
        last_event_id: LastEventId = None,
        resume: Annotated[str | None, Query(pattern=STREAM_ID)] = None,
        exam_id: Annotated[str | None, Query(pattern=EXAM_ID)] = None,
    ) -> EventSourceResponse:
        """My events; with ``exam_id`` also my presence on that exam (beat it to stay online)."""
        if caller.role != "student":
            raise NotAllowedError("this stream is for students", {"role": caller.role})
        renderer = StudentRenderer(hub, caller.sub)
        hub.check_capacity()
        lease = None
        if exam_id is not None:
            lease = await _presence_lease(hub, tracker, exam_id, caller.sub)
        stream = event_stream(
            hub,
            renderer.accepts,
            renderer.render,
            audience="student",
            claims=caller,
            last_event_id=last_event_id or resume,
            opening=() if lease is None else (connection_event(tracker, lease),),
            on_close=None if lease is None else lambda: tracker.leave(lease),
        )
        return _response(stream, hub.settings)

    @app.post("/v1/students/me/presence", status_code=204)
    async def presence_beat(body: Beat, caller: BearerCaller, tracker: TrackerDep) -> Response:
        """Keep my exam stream counted online for ``presence_ttl_seconds`` more (404: reconnect)."""
        if caller.role != "student":
            raise NotAllowedError("presence is for students", {"role": caller.role})
        await tracker.beat(body.exam_id, caller.sub, body.connection_id)
        return Response(status_code=204)

    @app.get("/v1/exams/{exam_id}/monitor/stream")
    async def monitor_stream(
        exam_id: str,
        caller: Caller,
        hub: HubDep,
        tracker: TrackerDep,
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
            periodic=(backlog_events(hub, exam_id), presence_events(tracker, exam_id)),
        )
        return _response(stream, hub.settings)
