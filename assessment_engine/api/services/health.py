"""Readiness: is the storage this process depends on reachable? Called by ``/readyz``."""

from __future__ import annotations

from redis.exceptions import RedisError

from assessment_engine.api.context import AppContext


async def redis_reachable(ctx: AppContext) -> bool:
    try:
        await ctx.redis.ping()
    except (RedisError, OSError):
        return False
    return True
