"""Redis clients for the engine's deployables: a bounded pool that waits instead of failing.

redis-py's asyncio pool (100 connections by default) raises ``MaxConnectionsError`` the moment a
surge needs one more connection; under a deadline surge that turns into 503s. This pool lets a
request wait up to ``wait_timeout_s`` for a free connection. Called by the worker (and offered to
the API and the benchmark).
"""

from __future__ import annotations

import redis.asyncio as aioredis


def create_redis(
    url: str, *, max_connections: int = 256, wait_timeout_s: float = 5.0
) -> aioredis.Redis:
    """An asyncio client on ``url`` whose pool blocks (up to ``wait_timeout_s``) when exhausted."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait_timeout_s
    )
    return aioredis.Redis(connection_pool=pool)
