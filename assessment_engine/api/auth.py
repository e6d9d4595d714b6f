"""Bearer-token authentication and role/ownership checks for every route.

Tokens are EdDSA JWTs (claims in ``docs/contracts.md``) verified against the identity service's
JWKS (cached, refetched once on an unknown ``kid``, refetches rate-limited), or against the
development issuer's key when ``ASSESSMENT_DEV_ISSUER=true``. Routes declare who may call them
with ``Depends(require_roles(...))``; the dependency's ``roles`` are what the authorization
matrix test and ``docs/api.md`` read.

Verifying an Ed25519 signature costs about as much as the rest of a submit, and a student sends
the same token with every request, so verified tokens are remembered per process by their exact
text (:class:`TokenCache`: bounded LRU, an entry never outlives the token's ``exp`` nor
``TOKEN_CACHE_SECONDS``). With ``DEV_ISSUER_SECRET`` set, the development key is derived from it,
so every API process (``serve --workers N``) verifies the tokens any of them minted.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Request
from jwt.algorithms import OKPAlgorithm
from pydantic import BaseModel, ValidationError

from assessment_engine.api.errors import AuthenticationError, AuthorizationError
from assessment_engine.api.settings import ApiSettings

Role = Literal["student", "proctor", "admin", "service"]
ROLES: tuple[Role, ...] = ("student", "proctor", "admin", "service")
_REQUIRED = ["exp", "iat", "sub", "iss", "aud"]


class Principal(BaseModel):
    """The verified caller."""

    sub: str
    role: Role
    org: str = ""
    jti: str = ""


class JwksCache:
    """Signing keys from a JWKS URL: cached, refetched on an unknown kid (rate-limited)."""

    def __init__(self, url: str, ttl: float, min_refetch: float) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refetch = min_refetch
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            document = response.json()
        keys: dict[str, Any] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("kid"):
                keys[str(jwk["kid"])] = OKPAlgorithm.from_jwk(jwk)
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def key(self, kid: str) -> Any:
        age = time.monotonic() - self._fetched_at
        known = kid in self._keys
        if (known and age > self.ttl) or (not known and age >= self.min_refetch):
            try:
                await self._fetch()
            except (httpx.HTTPError, ValueError) as exc:
                if kid not in self._keys:
                    raise AuthenticationError(
                        "invalid_token", "signing keys are unavailable"
                    ) from exc
        if kid not in self._keys:
            raise AuthenticationError("invalid_token", "unknown signing key")
        return self._keys[kid]


class DevIssuer:
    """Development token issuer (never in production): an Ed25519 key made at start-up, or
    derived from ``secret`` so that several processes share it (the kid follows the key)."""

    def __init__(self, issuer: str, audience: str, ttl: int, secret: str | None = None) -> None:
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        if secret:
            seed = hashlib.sha256(b"assessment-dev-issuer:" + secret.encode()).digest()
            self._private = Ed25519PrivateKey.from_private_bytes(seed)
            self.kid = f"dev-{hashlib.sha256(seed).hexdigest()[:12]}"
        else:
            self._private = Ed25519PrivateKey.generate()
            self.kid = f"dev-{uuid.uuid4().hex[:12]}"
        self.public_key = self._private.public_key()

    def mint(self, sub: str, role: Role, org: str = "", ttl: int | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "role": role,
            "org": org,
            "iat": now,
            "exp": now + (ttl if ttl is not None else self.ttl),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._private, algorithm="EdDSA", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "EdDSA"})
        return {"keys": [jwk]}


class TokenCache:
    """Verified tokens by their exact text: bounded LRU, each entry valid until a deadline
    (the token's ``exp``, at most ``max_age`` seconds after it was verified)."""

    def __init__(self, max_entries: int, max_age: float) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def get(self, token: str, now: float) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if now >= entry[0]:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry[1]

    def put(self, token: str, principal: Principal, exp: float, now: float) -> None:
        if self.max_entries <= 0:
            return
        self._entries[token] = (min(exp, now + self.max_age), principal)
        self._entries.move_to_end(token)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class TokenVerifier:
    """Verifies bearer tokens with the dev issuer's key or the JWKS cache."""

    settings: ApiSettings
    dev: DevIssuer | None
    jwks: JwksCache | None
    cache: TokenCache = field(default_factory=lambda: TokenCache(0, 0.0))

    async def verify(self, token: str) -> Principal:
        now = time.time()
        cached = self.cache.get(token, now)
        if cached is not None:
            return cached
        principal, exp = await self._verify(token)
        self.cache.put(token, principal, exp, now)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid_token", "the token is malformed") from exc
        if header.get("alg") != "EdDSA":
            raise AuthenticationError("invalid_token", "the token must be signed with EdDSA")
        kid = str(header.get("kid", ""))
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=self.settings.jwt_leeway_seconds,
                options={"require": _REQUIRED},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("expired_token", "the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid_token", f"the token is invalid: {exc}") from exc
        try:
            principal = Principal(
                sub=str(claims["sub"]),
                role=claims.get("role"),
                org=str(claims.get("org", "")),
                jti=str(claims.get("jti", "")),
            )
            return principal, float(claims["exp"])
        except ValidationError as exc:
            raise AuthenticationError("invalid_token", "the token has no valid role") from exc

    async def _key(self, kid: str) -> Any:
        if self.dev is not None and kid == self.dev.kid:
            return self.dev.public_key
        if self.jwks is None:
            raise AuthenticationError("invalid_token", "unknown signing key")
        return await self.jwks.key(kid)


def build_verifier(settings: ApiSettings) -> TokenVerifier:
    dev = None
    if settings.dev_issuer:
        secret = settings.dev_issuer_secret
        dev = DevIssuer(
            settings.jwt_issuer,
            settings.jwt_audience,
            settings.dev_token_ttl_seconds,
            secret.get_secret_value() if secret is not None else None,
        )
    jwks = None
    if settings.jwks_url:
        jwks = JwksCache(
            settings.jwks_url, settings.jwks_cache_seconds, settings.jwks_min_refetch_seconds
        )
    cache = TokenCache(settings.token_cache_size, settings.token_cache_seconds)
    return TokenVerifier(settings, dev, jwks, cache)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise AuthenticationError("missing_token", "a bearer token is required")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "invalid_token", "the Authorization header must be 'Bearer <token>'"
        )
    return token.strip()


class require_roles:  # noqa: N801 - used like a function: Depends(require_roles("proctor"))
    """Dependency: the verified principal, if its role is one of ``roles``."""

    def __init__(self, *roles: Role) -> None:
        self.roles: frozenset[Role] = frozenset(roles)

    async def __call__(self, request: Request) -> Principal:
        verifier: TokenVerifier = request.app.state.verifier
        principal = await verifier.verify(bearer_token(request))
        if principal.role not in self.roles:
            raise AuthorizationError(
                f"role {principal.role!r} may not call this route",
                {"required_roles": sorted(self.roles), "role": principal.role},
            )
        return principal


async def authenticate_route(request: Request) -> None:
    """Run the matched route's role guard now (raises 401/403), for refusals that FastAPI
    makes before dependencies run (an undecodable body): authentication comes first."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    pending = list(getattr(dependant, "dependencies", []))
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, require_roles):
            await dependency.call(request)
            return
        pending.extend(dependency.dependencies)


def ensure_owner(principal: Principal, owner: str) -> None:
    """Proctors act only on their own exams; admins and services on all."""
    if principal.role in ("admin", "service"):
        return
    if principal.role == "proctor" and principal.sub == owner:
        return
    raise AuthorizationError("you are not the owner of this exam")
