"""Ed25519 signing keys persisted in Redis, with rotation that never breaks a live token.

Called by ``identity.service`` (sign, rotate) and by the JWKS route. Layout:

* ``identity:keys`` hash ``kid -> SigningKeyRecord`` JSON (private PKCS#8 PEM + public JWK);
* ``identity:keys:active`` the kid that signs new tokens.

Rotation makes a new key, marks the old one ``retired_at`` and switches ``active`` in one
transaction (guarded by a short lock so two replicas do not rotate together). A retired key stays
in the JWKS until ``retired_at + longest token TTL + leeway``: every token it signed has expired
by then; afterwards it is pruned. Verifiers refetch the JWKS on an unknown ``kid``, so the new key
is accepted the moment it signs. Replicas cache the active key for ``key_cache_seconds``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel
from redis.asyncio import Redis

KEYS = "identity:keys"
ACTIVE = "identity:keys:active"
ROTATE_LOCK = "identity:keys:rotating"


class SigningKeyRecord(BaseModel):
    kid: str
    private_pem: str
    public_jwk: dict[str, Any]
    created_at: float
    retired_at: float | None = None


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: float


def new_key_record(now: float) -> SigningKeyRecord:
    private = Ed25519PrivateKey.generate()
    kid = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + "-" + secrets.token_hex(4)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk: dict[str, Any] = jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "alg": "EdDSA"})
    return SigningKeyRecord(kid=kid, private_pem=pem, public_jwk=jwk, created_at=now)


def _signing_key(record: SigningKeyRecord) -> SigningKey:
    private = serialization.load_pem_private_key(record.private_pem.encode(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"key {record.kid} is not Ed25519")
    return SigningKey(record.kid, private, record.created_at)


class KeyRing:
    """The signing keys of one issuer; ``publish_seconds`` = longest token TTL + leeway."""

    def __init__(
        self,
        redis: Redis,
        *,
        publish_seconds: float,
        rotation_seconds: float = 0,
        cache_seconds: float = 2.0,
    ) -> None:
        self._redis = redis
        self._publish_seconds = publish_seconds
        self._rotation_seconds = rotation_seconds
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, SigningKey] | None = None

    async def active(self, now: float | None = None) -> SigningKey:
        """The key that signs now; makes the first key, and rotates when the interval passed."""
        now = time.time() if now is None else now
        if self._cached and time.monotonic() - self._cached[0] < self._cache_seconds:
            key = self._cached[1]
        else:
            key = await self._load_active() or await self.rotate(now)
        if self._rotation_seconds and now - key.created_at >= self._rotation_seconds:
            key = await self.rotate(now, only_if_active=key.kid)
        self._cached = (time.monotonic(), key)
        return key

    async def rotate(
        self, now: float | None = None, *, only_if_active: str | None = None
    ) -> SigningKey:
        """Make a new active key; the previous one keeps verifying until its tokens expired.

        With ``only_if_active`` the rotation happens only if that kid still signs (so concurrent
        interval-driven rotations by several replicas make one new key, not several).
        """
        now = time.time() if now is None else now
        got_lock = await self._redis.set(ROTATE_LOCK, "1", nx=True, ex=10)
        try:
            current = await self._redis.get(ACTIVE)
            current_kid = current.decode() if isinstance(current, bytes) else current
            if only_if_active is not None and (not got_lock or current_kid != only_if_active):
                loaded = await self._load_active()
                if loaded is not None:
                    return loaded
            record = new_key_record(now)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(KEYS, record.kid, record.model_dump_json())
                if current_kid:
                    old = await self._record(current_kid)
                    if old is not None and old.retired_at is None:
                        old.retired_at = now
                        pipe.hset(KEYS, old.kid, old.model_dump_json())
                pipe.set(ACTIVE, record.kid)
                await pipe.execute()
        finally:
            if got_lock:
                await self._redis.delete(ROTATE_LOCK)
        key = _signing_key(record)
        self._cached = (time.monotonic(), key)
        await self.prune(now)
        return key

    async def jwks(self, now: float | None = None) -> dict[str, Any]:
        """The JWKS document: the active key and every retired key whose tokens may still live."""
        now = time.time() if now is None else now
        return {"keys": [record.public_jwk for record in await self._published(now)]}

    async def public_keys(self, now: float | None = None) -> dict[str, Any]:
        """``kid -> public key`` of the published keys (the issuer verifying its own tokens)."""
        now = time.time() if now is None else now
        result: dict[str, Ed25519PublicKey] = {}
        for record in await self._published(now):
            result[record.kid] = _signing_key(record).private_key.public_key()
        return result

    async def prune(self, now: float) -> list[str]:
        """Delete retired keys whose last token has expired; returns their kids."""
        gone = [
            r.kid
            for r in await self._all()
            if r.retired_at is not None and now - r.retired_at > self._publish_seconds
        ]
        if gone:
            await self._redis.hdel(KEYS, *gone)
        return gone

    async def _published(self, now: float) -> list[SigningKeyRecord]:
        records = [
            r
            for r in await self._all()
            if r.retired_at is None or now - r.retired_at <= self._publish_seconds
        ]
        return sorted(records, key=lambda r: r.created_at, reverse=True)

    async def _all(self) -> list[SigningKeyRecord]:
        raw = await self._redis.hvals(KEYS)
        return [SigningKeyRecord.model_validate_json(value) for value in raw]

    async def _record(self, kid: str) -> SigningKeyRecord | None:
        raw = await self._redis.hget(KEYS, kid)
        return None if raw is None else SigningKeyRecord.model_validate_json(raw)

    async def _load_active(self) -> SigningKey | None:
        kid = await self._redis.get(ACTIVE)
        if kid is None:
            return None
        record = await self._record(kid.decode() if isinstance(kid, bytes) else kid)
        return None if record is None else _signing_key(record)


class LocalKeySource:
    """``verify.KeySource`` over the key ring, for the issuer verifying its own tokens."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    async def keys(self, *, refresh: bool) -> dict[str, Any]:
        return await self._ring.public_keys()
