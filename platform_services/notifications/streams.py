"""Server-Sent Event streams for students and proctors: replay, then live, then a clean end.

Called by the routes in ``notifications.app``. Each stream:

1. subscribes to the hub first (so nothing published during the replay is missed) and sends its
   ``opening`` events (a student's exam stream: ``connection``, how to beat it);
2. replays from ``Last-Event-ID`` out of Redis (event ids are stream ids);
3. sends live events, skipping any the replay already sent, and the ``periodic`` events (no
   id): for proctors ``backlog`` every ``backlog_interval_seconds`` and ``presence`` whenever
   it changed, checked every ``presence_interval_seconds``;
4. ends with ``overflow`` if the client fell ``client_queue_size`` events behind, or with
   ``reauthenticate`` when the token expires; either way the client reconnects with its
   ``Last-Event-ID`` (and a fresh token) and loses nothing. ``on_close`` runs however it ends
   (a student's presence lease is left there).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sse_starlette import ServerSentEvent

from assessment_engine.storage.events import DomainEvent
from platform_services.identity.claims import Claims
from platform_services.notifications import views
from platform_services.notifications.errors import PresenceUnavailableError
from platform_services.notifications.hub import Accepts, Hub, Subscription
from platform_services.notifications.tracker import Lease, PresenceTracker

Render = Callable[[DomainEvent], Awaitable[dict[str, Any] | None]]


@dataclass
class Periodic:
    """An event made every ``interval`` seconds; ``make`` returns None to send nothing."""

    interval: float
    make: Callable[[], Awaitable[ServerSentEvent | None]]
    due: float = 0.0


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


def backlog_events(hub: Hub, exam_id: str) -> Periodic:
    """``event: backlog`` with the exam's grading queue, every ``backlog_interval_seconds``."""

    async def make() -> ServerSentEvent:
        return ServerSentEvent(event="backlog", data=json.dumps(await hub.backlog(exam_id)))

    return Periodic(hub.settings.backlog_interval_seconds, make)


def presence_events(tracker: PresenceTracker, exam_id: str) -> Periodic:
    """``event: presence`` when the exam's presence differs from what this stream last sent
    (the first check always sends). A store outage skips the check; the next one retries."""
    sent: dict[str, Any] | None = None

    async def make() -> ServerSentEvent | None:
        nonlocal sent
        try:
            view = await tracker.view(exam_id)
        except PresenceUnavailableError:
            return None
        if view.signature() == sent:
            return None
        sent = view.signature()
        return ServerSentEvent(event="presence", data=view.model_dump_json())

    return Periodic(tracker.settings.presence_interval_seconds, make)


def connection_event(tracker: PresenceTracker, lease: Lease) -> ServerSentEvent:
    """``event: connection`` (no id): the student's stream and how often to beat it."""
    return ServerSentEvent(event="connection", data=tracker.connection(lease).model_dump_json())


def _sse(event: DomainEvent, payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(payload), event=event.type, id=event.stream_id)


def _ending(
    subscription: Subscription, claims: Claims, last: str | None, retry_ms: int
) -> ServerSentEvent | None:
    """The event that ends the stream now (token expired, client overflowed), if any."""
    if time.time() >= claims.exp:
        reason = "token expired; reconnect with a fresh token and Last-Event-ID"
        return ServerSentEvent(event="reauthenticate", data=json.dumps({"reason": reason}))
    if subscription.overflowed and subscription.queue.empty():
        reason = "client too slow; reconnect with Last-Event-ID to resume"
        return ServerSentEvent(
            event="overflow",
            retry=retry_ms,
            data=json.dumps({"reason": reason, "last_event_id": last}),
        )
    return None


async def _due(periodic: Sequence[Periodic]) -> AsyncIterator[ServerSentEvent]:
    for tick in periodic:
        if time.monotonic() >= tick.due:
            tick.due = time.monotonic() + tick.interval
            made = await tick.make()
            if made is not None:
                yield made


def _wait(
    subscription: Subscription, claims: Claims, periodic: Sequence[Periodic], idle: float
) -> float:
    """How long to wait for the next live event before checking the rest again."""
    if subscription.overflowed:
        return 0.01
    wait = min(idle, claims.exp - time.time())
    if periodic:
        wait = min(wait, min(t.due for t in periodic) - time.monotonic())
    return max(0.01, wait)


async def event_stream(
    hub: Hub,
    accepts: Accepts,
    render: Render,
    *,
    audience: str,
    claims: Claims,
    last_event_id: str | None,
    periodic: Sequence[Periodic] = (),
    opening: Sequence[ServerSentEvent] = (),
    on_close: Callable[[], None] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    settings, metrics = hub.settings, hub.metrics
    subscription = hub.subscribe(accepts)
    metrics.streams.labels(claims.role).inc()
    try:
        yield ServerSentEvent(comment="connected", retry=settings.retry_ms)
        for opener in opening:
            yield opener
        last = last_event_id
        if last_event_id:
            async for event in hub.replay(last_event_id, subscription.accepts):
                last = event.stream_id
                payload = await render(event)
                if payload is not None:
                    metrics.replayed.inc()
                    yield _sse(event, payload)
        while True:
            ending = _ending(subscription, claims, last, settings.retry_ms)
            if ending is not None:
                yield ending
                return
            async for made in _due(periodic):
                yield made
            wait = _wait(subscription, claims, periodic, settings.backlog_interval_seconds)
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
        metrics.streams.labels(claims.role).dec()
        if on_close is not None:
            on_close()
