"""Verify platform access tokens against the issuer's JWKS: the library other services reuse.

Used by the notifications and analytics services (through ``identity.bearer``) and available to
the assessment API. ``JwksKeySource`` fetches ``/.well-known/jwks.json`` with httpx, caches it,
refetches at most once per ``min_refetch_seconds`` when a token names an unknown ``kid``, and keeps
serving the cached keys if the issuer is briefly unreachable. ``TokenVerifier`` checks signature
(EdDSA only by default: no algorithm confusion), ``iss``, ``aud``, ``exp``/``iat`` with leeway and
the claim set, raising the typed errors of ``identity.errors``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx
import jwt
from pydantic import ValidationError

from platform_services.identity.claims import Claims
from platform_services.identity.errors import (
    ExpiredTokenError,
    InvalidTokenError,
    KeysUnavailableError,
    UnknownKeyError,
)

REQUIRED_CLAIMS = ["iss", "aud", "sub", "role", "org", "iat", "exp", "jti"]


class KeySource(Protocol):
    """Where verification keys come from: ``kid -> public key``."""

    async def keys(self, *, refresh: bool) -> Mapping[str, Any]: ...


def parse_jwks(document: Mapping[str, Any]) -> dict[str, Any]:
    """``kid -> key object`` for every usable key of a JWKS document; unusable keys are skipped."""
    keys: dict[str, Any] = {}
    for entry in document.get("keys", []):
        kid = entry.get("kid") if isinstance(entry, dict) else None
        if not isinstance(kid, str):
            continue
        try:
            keys[kid] = jwt.PyJWK(entry).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
    return keys


class JwksKeySource:
    """Cached JWKS over HTTP; one fetch at a time, refetch on demand rate-limited."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        cache_seconds: float = 300.0,
        min_refetch_seconds: float = 5.0,
        timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._client = client
        self._cache_seconds = cache_seconds
        self._min_refetch = min_refetch_seconds
        self._timeout = timeout
        self._keys: dict[str, Any] | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def keys(self, *, refresh: bool) -> Mapping[str, Any]:
        if self._fresh(refresh):
            assert self._keys is not None
            return self._keys
        async with self._lock:
            if self._fresh(refresh):  # another task fetched while we waited
                assert self._keys is not None
                return self._keys
            try:
                self._keys = await self._fetch()
                self._fetched_at = time.monotonic()
            except (httpx.HTTPError, ValueError) as exc:
                if self._keys is None:
                    raise KeysUnavailableError(f"cannot fetch JWKS from {self._url}") from exc
            return self._keys

    def _fresh(self, refresh: bool) -> bool:
        if self._keys is None:
            return False
        age = time.monotonic() - self._fetched_at
        return age < self._min_refetch if refresh else age < self._cache_seconds

    async def _fetch(self) -> dict[str, Any]:
        self.fetches += 1
        if self._client is not None:
            response = await self._client.get(self._url, timeout=self._timeout)
        else:
            async with httpx.AsyncClient() as client:
                response = await client.get(self._url, timeout=self._timeout)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError("JWKS document is not an object")
        return parse_jwks(document)


class TokenVerifier:
    """Verify an access token and return its ``Claims``."""

    def __init__(
        self,
        source: KeySource,
        *,
        issuer: str,
        audience: str = "exam-platform",
        leeway_seconds: float = 30.0,
        algorithms: Sequence[str] = ("EdDSA",),
    ) -> None:
        self._source = source
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._algorithms = tuple(algorithms)

    async def verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError("the token is not a well-formed JWT") from exc
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not kid:
            raise InvalidTokenError("the token header names no key (kid)")
        if alg not in self._algorithms:
            raise InvalidTokenError("the token's algorithm is not accepted", {"alg": alg})
        key = await self._key(kid)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[str(alg)],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredTokenError("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidTokenError("the token is not meant for this audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidTokenError("the token was issued by someone else") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"the token is invalid: {exc}") from exc
        try:
            return Claims.model_validate(payload)
        except ValidationError as exc:
            raise InvalidTokenError("the token's claims are malformed") from exc

    async def _key(self, kid: str) -> Any:
        keys = await self._source.keys(refresh=False)
        if kid not in keys:
            keys = await self._source.keys(refresh=True)
        if kid not in keys:
            raise UnknownKeyError("the token was signed with an unknown key", {"kid": kid})
        return keys[kid]
