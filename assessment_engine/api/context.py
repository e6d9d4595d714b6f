"""Per-application dependencies: the Redis client, settings and the clock.

``create_app`` builds one :class:`AppContext` and stores it on ``app.state``; routes get it with
``Depends(get_context)`` and settings with ``Depends(get_settings)``. The clock is the server's
UTC clock (tests pass a controllable one; there is no other time source).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis
from fastapi import Request

from assessment_engine.api.settings import ApiSettings

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    redis: aioredis.Redis
    settings: ApiSettings
    clock: Clock

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)


# Dependencies are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread, a
# thread hand-off per request that cost the submit route about a tenth of its CPU.
async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.context.settings
    return settings
