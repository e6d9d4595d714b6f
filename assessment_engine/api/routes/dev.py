"""Development issuer routes (only mounted when ``ASSESSMENT_DEV_ISSUER=true``).

``POST /v1/dev/tokens`` mints a token for any subject and role; ``GET /v1/dev/jwks.json``
publishes the dev key, so another service can verify these tokens through its JWKS setting.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from assessment_engine.api.auth import TokenVerifier
from assessment_engine.api.errors import ApiError, documented
from assessment_engine.api.schemas import DevToken, DevTokenRequest

router = APIRouter(prefix="/v1/dev", tags=["development"])


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.verifier
    if verifier.dev is None:
        raise ApiError(404, "not_found", "the development issuer is off")
    return verifier


@router.post("/tokens", response_model=DevToken, status_code=201, responses=documented(422))
async def mint_token(body: DevTokenRequest, request: Request) -> DevToken:
    """Mint a development token (never enabled in production)."""
    dev = _verifier(request).dev
    assert dev is not None
    ttl = body.ttl_seconds or dev.ttl
    return DevToken(access_token=dev.mint(body.sub, body.role, body.org, ttl), expires_in=ttl)


@router.get("/jwks.json", response_model=dict[str, Any])
async def jwks(request: Request) -> dict[str, Any]:
    dev = _verifier(request).dev
    assert dev is not None
    return dev.jwks()
