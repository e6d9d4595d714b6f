"""Server-Sent Event streams for students and proctors: replay, then live, then a clean end.

Called by the routes in ``notifications.app``. Each stream:

1. subscribes to the hub first (so nothing published during the replay is missed);
2. replays from ``Last-Event-ID`` out of Redis (event ids are stream ids);
3. sends live events, skipping any the replay already sent, and for proctors a ``backlog``
   event (no id) every ``backlog_interval_seconds``;
4. ends with ``overflow`` if the client fell ``client_queue_size`` events behind, or with
   ``reauthenticate`` when the token expires; either way the client reconnects with its
   ``Last-Event-ID`` (and a fresh token) and loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sse_starlette import ServerSentEvent

from assessment_engine.storage.events import DomainEvent
from platform_services.identity.claims import Claims
from platform_services.notifications import views
from platform_services.notifications.hub import Accepts, Hub

Render = Callable[[DomainEvent], Awaitable[dict[str, Any] | None]]


@dataclass
class StudentRenderer:
    """Student view with a per-stream cache of "did I take this exam"."""

    hub: Hub
    student_id: str
    taken: dict[str, bool] = field(default_factory=dict)

    def accepts(self, event: DomainEvent) -> bool:
        return views.student_candidate(event, self.student_id)

    async def render(self, event: DomainEvent) -> dict[str, Any] | None:
        if event.type == "results.released":
            named = views.released_to(event, self.student_id)
            if named is None:
                if event.exam_id not in self.taken:
                    self.taken[event.exam_id] = await self.hub.participates(
                        event.exam_id, self.student_id
                    )
                named = self.taken[event.exam_id]
            if not named:
                return None
        return views.student_payload(event)


def _sse(event: DomainEvent, payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(payload), event=event.type, id=event.stream_id)


async def event_stream(
    hub: Hub,
    accepts: Accepts,
    render: Render,
    *,
    audience: str,
    claims: Claims,
    last_event_id: str | None,
    backlog: Callable[[], Awaitable[dict[str, Any]]] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    settings, metrics = hub.settings, hub.metrics
    subscription = hub.subscribe(accepts)
    metrics.streams.labels(audience).inc()
    try:
        yield ServerSentEvent(comment="connected", retry=settings.retry_ms)
        last = last_event_id
        if last_event_id:
            async for event in hub.replay(last_event_id, subscription.accepts):
                last = event.stream_id
                payload = await render(event)
                if payload is not None:
                    metrics.replayed.inc()
                    yield _sse(event, payload)
        next_backlog = time.monotonic()
        while True:
            if time.time() >= claims.exp:
                yield ServerSentEvent(
                    event="reauthenticate",
                    data=json.dumps(
                        {"reason": "token expired; reconnect with a fresh token and Last-Event-ID"}
                    ),
                )
                return
            if subscription.overflowed and subscription.queue.empty():
                yield ServerSentEvent(
                    event="overflow",
                    retry=settings.retry_ms,
                    data=json.dumps(
                        {
                            "reason": "client too slow; reconnect with Last-Event-ID to resume",
                            "last_event_id": last,
                        }
                    ),
                )
                return
            if backlog is not None and time.monotonic() >= next_backlog:
                next_backlog = time.monotonic() + settings.backlog_interval_seconds
                yield ServerSentEvent(event="backlog", data=json.dumps(await backlog()))
            wait = min(settings.backlog_interval_seconds, max(0.01, claims.exp - time.time()))
            if subscription.overflowed:
                wait = 0.01
            try:
                event = await asyncio.wait_for(subscription.queue.get(), timeout=wait)
            except TimeoutError:
                continue
            if last is not None and views.stream_key(event.stream_id) <= views.stream_key(last):
                continue  # already sent by the replay
            last = event.stream_id
            payload = await render(event)
            if payload is not None:
                metrics.sent.labels(audience).inc()
                yield _sse(event, payload)
    finally:
        hub.unsubscribe(subscription)
        metrics.streams.labels(audience).dec()
