"""Errors of the identity service and of the token verifier other services reuse.

    PlatformError (platform_services.common.errors)
    └── IdentityError
        ├── AuthenticationError            401: present (other) credentials
        │   ├── InvalidCredentialsError    wrong username/password or client id/secret
        │   ├── TokenError                 a bearer access token is not acceptable
        │   │   ├── InvalidTokenError      malformed, bad signature, wrong iss/aud/alg, bad claims
        │   │   ├── ExpiredTokenError      ``exp`` passed: refresh or log in again
        │   │   └── UnknownKeyError        ``kid`` not in the JWKS even after one refetch
        │   └── RefreshTokenError          refresh token unknown, expired or revoked: log in again
        │       └── RefreshTokenReuseError a rotated refresh token came back: its family is revoked
        ├── KeysUnavailableError           503: the JWKS could not be fetched and nothing is cached
        ├── ForbiddenError                 403: authenticated, but the role/org does not allow it
        ├── RateLimitedError               429: wait ``retry_after`` seconds (Retry-After header)
        ├── ConflictError                  409: the username or client id exists already
        ├── NotFoundError                  404: no such user / organisation member
        └── InvalidInputError              422: the roster CSV or a field is malformed

Edges map them to HTTP in ``identity.app`` and ``identity.bearer``.
"""

from __future__ import annotations

from typing import Any

from platform_services.common.errors import PlatformError


class IdentityError(PlatformError):
    code = "identity_error"


class AuthenticationError(IdentityError):
    code = "unauthenticated"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer error="{self.code}"'}


class InvalidCredentialsError(AuthenticationError):
    code = "invalid_credentials"


class TokenError(AuthenticationError):
    code = "invalid_token"


class InvalidTokenError(TokenError):
    code = "invalid_token"


class ExpiredTokenError(TokenError):
    code = "token_expired"


class UnknownKeyError(TokenError):
    code = "unknown_key"


class RefreshTokenError(AuthenticationError):
    code = "invalid_refresh_token"


class RefreshTokenReuseError(RefreshTokenError):
    code = "refresh_token_reused"


class KeysUnavailableError(IdentityError):
    code = "keys_unavailable"


class ForbiddenError(IdentityError):
    code = "forbidden"


class RateLimitedError(IdentityError):
    code = "rate_limited"

    def __init__(
        self, message: str, retry_after: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, {"retry_after": retry_after, **(details or {})})
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ConflictError(IdentityError):
    code = "conflict"


class NotFoundError(IdentityError):
    code = "not_found"


class InvalidInputError(IdentityError):
    code = "invalid_input"
