"""Mint access tokens (pure given a signing key and the clock); called by ``identity.service``."""

from __future__ import annotations

import uuid

import jwt

from platform_services.identity.claims import Claims, Role
from platform_services.identity.keys import SigningKey


def mint_access_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    subject: str,
    role: Role,
    org: str,
    now: int,
    ttl_seconds: int,
) -> tuple[str, Claims]:
    """Sign an EdDSA JWT with ``kid`` in the header; returns the token and its claims."""
    claims = Claims(
        iss=issuer,
        aud=audience,
        sub=subject,
        role=role,
        org=org,
        iat=now,
        exp=now + ttl_seconds,
        jti=uuid.uuid4().hex,
    )
    token = jwt.encode(
        claims.model_dump(), key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
    )
    return token, claims
