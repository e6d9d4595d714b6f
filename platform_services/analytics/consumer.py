"""The analytics event loop: a consumer group on ``events:domain`` feeding ``AnalyticsService``.

Started by the app's lifespan (``settings.consume``). At least once: an event is acknowledged
after it was handled; a malformed event is counted, logged and acknowledged (it would fail again);
a Redis failure leaves it pending, and the reader re-reads this consumer's pending entries first.
"""

from __future__ import annotations

import asyncio
import logging

from pydantic import ValidationError
from redis.exceptions import RedisError

from assessment_engine.storage.events import EventReader
from platform_services.analytics.reports import AnalyticsService

log = logging.getLogger(__name__)


async def consume(
    reader: EventReader, service: AnalyticsService, *, count: int, block_ms: int
) -> None:
    while True:
        try:
            events = await reader.read(count=count, block_ms=block_ms)
        except (RedisError, OSError) as exc:
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
                log.warning(
                    "event handling failed, will retry",
                    extra={"stream_id": event.stream_id, "error": str(exc)},
                )
                await asyncio.sleep(1.0)
                break
            service.metrics.events.labels(event.type, outcome).inc()
            await reader.ack(event)
