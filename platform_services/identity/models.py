"""Identity records and API payloads: users, service accounts, token pairs, roster results.

Shared by the Redis stores, ``identity.service`` and the routes in ``identity.app``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from platform_services.identity.claims import Role

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
ORG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_username(value: str) -> str:
    if not USERNAME_RE.fullmatch(value):
        raise ValueError("usernames are 1-128 characters: letters, digits and . _ @ + -")
    return value.lower()


def check_org(value: str) -> str:
    if not ORG_RE.fullmatch(value):
        raise ValueError("organisation ids are lowercase letters, digits and -")
    return value


class User(BaseModel):
    """A person who logs in. ``password_hash`` never leaves the service."""

    user_id: str
    username: str
    display_name: str = ""
    email: str = ""
    role: Role
    org: str
    password_hash: str
    disabled: bool = False
    must_change_password: bool = False
    created_at: float
    created_by: str | None = None


class ServiceAccount(BaseModel):
    """A machine client (client credentials grant); tokens carry role ``service``."""

    client_id: str
    name: str
    org: str
    secret_hash: str
    disabled: bool = False
    created_at: float


class PublicUser(BaseModel):
    user_id: str
    username: str
    display_name: str
    role: Role
    org: str
    disabled: bool
    must_change_password: bool = False

    @classmethod
    def of(cls, user: User) -> PublicUser:
        return cls(
            user_id=user.user_id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            org=user.org,
            disabled=user.disabled,
            must_change_password=user.must_change_password,
        )


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, no secret
    expires_in: int


class TokenPair(AccessToken):
    refresh_token: str
    refresh_expires_in: int


class CreateUserRequest(BaseModel):
    username: str
    password: str = Field(min_length=8, max_length=1024)
    role: Literal["student", "proctor", "admin"]
    org: str
    display_name: str = ""

    username_ok = field_validator("username")(check_username)
    org_ok = field_validator("org")(check_org)


class ChangePasswordRequest(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=8, max_length=1024)


class CreateServiceAccountRequest(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    org: str

    org_ok = field_validator("org")(check_org)


class ServiceAccountCredentials(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown once; only its hash is stored.")
    org: str


class StudentTokensRequest(BaseModel):
    usernames: list[str] = Field(min_length=1, max_length=5000)


class StudentToken(BaseModel):
    username: str
    user_id: str
    access_token: str
    expires_in: int


class RosterEntryResult(BaseModel):
    line: int
    username: str
    status: Literal["created", "exists", "invalid"]
    user_id: str | None = None
    password: str | None = Field(default=None, description="One-time password, shown only here.")
    access_token: str | None = None
    message: str | None = None


class RosterImportResult(BaseModel):
    org: str
    created: int
    existing: int
    invalid: int
    entries: list[RosterEntryResult]


class RotatedKey(BaseModel):
    kid: str
