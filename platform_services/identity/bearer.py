"""FastAPI dependencies that turn ``Authorization: Bearer`` into verified ``Claims``.

Used by every platform service's routes; the app puts a ``TokenVerifier`` on
``app.state.verifier``. ``stream_claims`` also accepts ``?access_token=`` because browsers'
EventSource cannot send headers (the token then appears in access logs: keep it short-lived).
``AUTH_STATUSES`` is the error->status table the apps merge into their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from platform_services.common.errors import PlatformError
from platform_services.identity.claims import Claims, Role
from platform_services.identity.errors import (
    AuthenticationError,
    ForbiddenError,
    KeysUnavailableError,
)
from platform_services.identity.verify import TokenVerifier

_bearer = HTTPBearer(auto_error=False)

AUTH_STATUSES: dict[type[PlatformError], int] = {
    AuthenticationError: 401,
    ForbiddenError: 403,
    KeysUnavailableError: 503,
}


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.verifier
    return verifier


async def bearer_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Claims:
    if credentials is None:
        raise AuthenticationError("a bearer token is required")
    return await _verifier(request).verify(credentials.credentials)


async def stream_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    access_token: Annotated[str | None, Query()] = None,
) -> Claims:
    token = credentials.credentials if credentials is not None else access_token
    if not token:
        raise AuthenticationError("a bearer token is required")
    return await _verifier(request).verify(token)


def require_role(*roles: Role) -> Callable[[Claims], Awaitable[Claims]]:
    """Dependency factory: the caller's claims, or 403 if the role is not one of ``roles``."""

    async def dependency(claims: Annotated[Claims, Depends(bearer_claims)]) -> Claims:
        if claims.role not in roles:
            raise ForbiddenError("your role may not do this", {"role": claims.role})
        return claims

    return dependency
