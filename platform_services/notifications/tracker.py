"""Presence on one notifications replica: leases for its open student streams, shared reads.

Created by the app factory next to the hub; used by the routes and ``notifications.streams``.

* ``join`` registers a student's exam stream in the shared store (``presence_store``) before the
  stream starts, and returns the ``Lease`` the stream holds; ``leave`` (synchronous, safe in a
  cancelled stream's ``finally``) hands the removal to a background task.
* ``beat`` is the page's heartbeat (it may land on any replica: the store decides).
* ``view`` is the exam's ``PresenceView`` for proctor streams, read from Redis at most once per
  ``presence_interval_seconds`` per exam and replica however many proctors watch.
* ``stop`` (lifespan end) removes the leases still open here, so a rolling restart shows those
  students reconnecting at once instead of after ``presence_ttl_seconds``.

A lease whose stream never starts (the client left before the first byte) is never left: it
expires after ``presence_ttl_seconds`` like any stream nobody beats.

Idempotency: ``leave`` of a lease already left does nothing; a removal that runs twice (stop and
its background task) only raises the loss time to the later instant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field

from platform_services.notifications.errors import PresenceUnavailableError, StreamGoneError
from platform_services.notifications.metrics import NotifyMetrics
from platform_services.notifications.presence import ConnectionView, PresenceView, classify
from platform_services.notifications.presence_store import PresenceStore
from platform_services.notifications.settings import NotifySettings

log = logging.getLogger(__name__)
PRUNE_AT = 256
STALE_VIEW_SECONDS = 60.0


@dataclass(frozen=True)
class Lease:
    exam_id: str
    student_id: str
    connection_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class PresenceTracker:
    def __init__(self, store: PresenceStore, settings: NotifySettings, metrics: NotifyMetrics):
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._leases: set[Lease] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._views: dict[str, tuple[float, PresenceView]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def join(self, exam_id: str, student_id: str) -> Lease:
        lease = Lease(exam_id, student_id)
        await self.store.open(exam_id, student_id, lease.connection_id)
        self._leases.add(lease)
        self.metrics.presence.labels("open").inc()
        return lease

    def connection(self, lease: Lease) -> ConnectionView:
        return ConnectionView(
            exam_id=lease.exam_id,
            connection_id=lease.connection_id,
            beat_seconds=self.settings.presence_beat_seconds,
        )

    def leave(self, lease: Lease) -> None:
        if lease not in self._leases:
            return
        self._leases.discard(lease)
        task = asyncio.get_running_loop().create_task(self._remove(lease))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _remove(self, lease: Lease) -> None:
        try:
            await self.store.close(lease.exam_id, lease.student_id, lease.connection_id)
            self.metrics.presence.labels("close").inc()
        except PresenceUnavailableError as exc:
            # The member expires by itself after presence_ttl_seconds: bounded either way.
            self.metrics.presence.labels("close_failed").inc()
            log.warning("presence close failed", extra={"exam_id": lease.exam_id, "error": exc})

    async def beat(self, exam_id: str, student_id: str, connection_id: str) -> None:
        if not await self.store.beat(exam_id, student_id, connection_id):
            self.metrics.presence.labels("beat_gone").inc()
            raise StreamGoneError(
                "this stream is closed or expired; reconnect it",
                {"exam_id": exam_id, "connection_id": connection_id},
            )
        self.metrics.presence.labels("beat").inc()

    async def view(self, exam_id: str) -> PresenceView:
        lock = self._locks.setdefault(exam_id, asyncio.Lock())
        async with lock:
            cached = self._views.get(exam_id)
            now = time.monotonic()
            if cached is not None and now - cached[0] < self.settings.presence_interval_seconds:
                return cached[1]
            state = await self.store.read(exam_id)
            view = classify(
                exam_id,
                state.now_ms,
                state.live,
                state.lost_ms,
                grace_seconds=self.settings.presence_grace_seconds,
                ttl_seconds=self.settings.presence_ttl_seconds,
            )
            if len(self._views) >= PRUNE_AT:
                self._prune(now)
            self._views[exam_id] = (now, view)
            return view

    def _prune(self, now: float) -> None:
        """Forget views of exams nobody here asked about for a minute (bounded memory)."""
        for exam_id, (at, _) in list(self._views.items()):
            if now - at > STALE_VIEW_SECONDS:
                del self._views[exam_id]
                self._locks.pop(exam_id, None)

    async def stop(self) -> None:
        for lease in list(self._leases):
            self.leave(lease)
        if self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._closing), timeout=5.0)
