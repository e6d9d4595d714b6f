"""The access-token claims every platform token carries (``docs/contracts.md``, Tokens).

Shared by the issuer (``identity.tokens``) and by verifiers (``identity.verify``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["student", "proctor", "admin", "service"]
ROLES: tuple[Role, ...] = ("student", "proctor", "admin", "service")


class Claims(BaseModel):
    """Verified claims of an access token."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    iss: str
    aud: str
    sub: str
    role: Role
    org: str
    iat: int
    exp: int
    jti: str
