"""The analytics event loop: a consumer group on ``events:domain`` feeding ``AnalyticsService``.

Started by the app's lifespan (``settings.consume``). At least once: an event is acknowledged
after it was handled; a malformed event is counted, logged and acknowledged (it would fail again);
a Redis failure leaves it pending, and the reader re-reads this consumer's pending entries first.
Entries left pending by a consumer that went away (a replaced pod) are taken over with XAUTOCLAIM
once idle for ``claim_idle_ms``.
"""

from __future__ import annotations

import asyncio
import logging
import time

from pydantic import ValidationError
from redis.exceptions import RedisError, ResponseError

from assessment_engine.storage import keys
from assessment_engine.storage.events import EventReader
from platform_services.analytics.reports import AnalyticsService

log = logging.getLogger(__name__)


def _raise_if_cancelling() -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def claim_abandoned(reader: EventReader, service: AnalyticsService, idle_ms: int) -> int:
    """Move entries idle for ``idle_ms`` in the group to this consumer; returns how many."""
    try:
        reply = await service.redis.xautoclaim(
            keys.DOMAIN_EVENTS,
            reader.group,
            reader.consumer,
            min_idle_time=idle_ms,
            start_id="0-0",
            count=500,
            justid=True,
        )
    except ResponseError as exc:
        if "NOGROUP" in str(exc):  # the reader creates the group on its first read
            return 0
        raise
    return len(reply[1]) if reply else 0


async def consume(
    reader: EventReader,
    service: AnalyticsService,
    *,
    count: int,
    block_ms: int,
    claim_idle_ms: int = 60_000,
    stop: asyncio.Event | None = None,
) -> None:
    """Handle events until ``stop`` is set (checked between reads of at most ``block_ms``)."""
    stop = stop or asyncio.Event()
    next_claim = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_claim:
                next_claim = time.monotonic() + claim_idle_ms / 2000
                await claim_abandoned(reader, service, claim_idle_ms)
            events = await reader.read(count=count, block_ms=block_ms)
        except (RedisError, OSError) as exc:
            _raise_if_cancelling()  # redis-py may turn a cancellation into a connection error
            log.warning("event read failed, retrying", extra={"error": str(exc)})
            await asyncio.sleep(1.0)
            continue
        for event in events:
            try:
                outcome = await service.handle(event)
            except (KeyError, TypeError, ValueError, ValidationError) as exc:
                outcome = "malformed"
                log.error(
                    "malformed event dropped",
                    extra={"stream_id": event.stream_id, "type": event.type, "error": str(exc)},
                )
            except RedisError as exc:
                _raise_if_cancelling()
                log.warning(
                    "event handling failed, will retry",
                    extra={"stream_id": event.stream_id, "error": str(exc)},
                )
                await asyncio.sleep(1.0)
                break
            service.metrics.events.labels(event.type, outcome).inc()
            await reader.ack(event)
