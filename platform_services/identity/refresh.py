"""Refresh tokens with rotation, reuse detection and revocation (opaque, stored hashed in Redis).

Called by ``identity.service``. A token is ``<family>.<secret>``; Redis keeps only its SHA-256:

* ``identity:rt:<hash>``       JSON ``{family, user_id}``, TTL = refresh TTL;
* ``identity:rt-used:<hash>``  set (NX) when the token is exchanged: exchanging it twice is reuse;
* ``identity:rf:<family>``     ``active`` | ``revoked``, TTL refreshed on every rotation;
* ``identity:user:<id>:families`` set of the user's families, for "log out everywhere".

A reused token (one already exchanged) revokes its whole family, so a thief and the victim both
lose the session at the next refresh. The exchange is idempotency-keyed by the token hash.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from platform_services.identity.errors import RefreshTokenError, RefreshTokenReuseError


@dataclass(frozen=True)
class Exchanged:
    user_id: str
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _family_of(token: str) -> str:
    return token.split(".", 1)[0]


class RefreshTokens:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def issue(self, user_id: str, family: str | None = None) -> str:
        family = family or secrets.token_urlsafe(12).replace(".", "_")
        token = f"{family}.{secrets.token_urlsafe(32)}"
        record = json.dumps({"family": family, "user_id": user_id})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(f"identity:rt:{_digest(token)}", record, ex=self._ttl)
            pipe.set(f"identity:rf:{family}", "active", ex=self._ttl, nx=True)
            pipe.expire(f"identity:rf:{family}", self._ttl)
            pipe.sadd(f"identity:user:{user_id}:families", family)
            pipe.expire(f"identity:user:{user_id}:families", self._ttl)
            await pipe.execute()
        return token

    async def exchange(self, token: str) -> Exchanged:
        """Consume ``token`` and return a new one of the same family (rotation)."""
        digest = _digest(token)
        raw = await self._redis.get(f"identity:rt:{digest}")
        if raw is None:
            raise RefreshTokenError("the refresh token is unknown or expired")
        record = json.loads(raw)
        family, user_id = str(record["family"]), str(record["user_id"])
        first_use = await self._redis.set(f"identity:rt-used:{digest}", "1", nx=True, ex=self._ttl)
        if not first_use:
            await self.revoke_family(family)
            raise RefreshTokenReuseError(
                "the refresh token was used before; every session of this login is revoked"
            )
        status = await self._redis.get(f"identity:rf:{family}")
        if status is None or status in (b"revoked", "revoked"):
            raise RefreshTokenError("the refresh token was revoked")
        return Exchanged(user_id=user_id, token=await self.issue(user_id, family))

    async def user_of(self, token: str) -> str | None:
        raw = await self._redis.get(f"identity:rt:{_digest(token)}")
        return None if raw is None else str(json.loads(raw)["user_id"])

    async def revoke(self, token: str) -> None:
        """Log out: revoke the family the token belongs to (unknown tokens are ignored)."""
        if await self._redis.exists(f"identity:rt:{_digest(token)}"):
            await self.revoke_family(_family_of(token))

    async def revoke_family(self, family: str) -> None:
        await self._redis.set(f"identity:rf:{family}", "revoked", ex=self._ttl)

    async def revoke_user(self, user_id: str) -> int:
        families = await self._redis.smembers(f"identity:user:{user_id}:families")
        for family in families:
            await self.revoke_family(family.decode() if isinstance(family, bytes) else family)
        return len(families)
