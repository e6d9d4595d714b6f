"""Small helpers shared by the storage adapters: Lua scripts, byte decoding, UTC timestamps.

Internal to ``assessment_engine.storage``; clients may be created with or without
``decode_responses``, so every reply goes through :func:`text`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError


def text(value: Any) -> str:
    """A Redis reply (bytes or str) as str."""
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def text_map(reply: Any) -> dict[str, str]:
    """An HGETALL-style reply as ``dict[str, str]``."""
    return {text(k): text(v) for k, v in dict(reply).items()}


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """UTC RFC 3339 with millisecond precision and a ``Z`` suffix."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def entry_time(entry_id: str) -> datetime:
    """The server time a stream entry id was created (its millisecond part)."""
    return datetime.fromtimestamp(int(entry_id.split("-", 1)[0]) / 1000, UTC)


class LuaScript:
    """A Lua script run with EVALSHA, loaded on first ``NOSCRIPT`` (e.g. after a restart)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    def queue_in(
        self, pipe: aioredis.client.Pipeline, keys: list[str], args: list[str | int | float]
    ) -> None:
        """Add an EVALSHA to a pipeline (the caller retries with ``__call__`` on NOSCRIPT)."""
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    async def __call__(
        self, client: aioredis.Redis, keys: list[str], args: list[str | int | float]
    ) -> Any:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await client.eval(self.source, len(keys), *keys, *args)
