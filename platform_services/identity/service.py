"""The identity domain: login, refresh, client credentials, users, rosters, key rotation.

Called by the routes in ``identity.app`` (one method per route) and by the CLI (bootstrap,
rotation). Authorisation rules live here, next to the operations they guard:

* admins do everything; proctors create students and import rosters in their own organisation,
  and mint tokens for students of their organisation; students only read themselves.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Literal

from platform_services.identity.claims import Claims, Role
from platform_services.identity.errors import (
    ForbiddenError,
    InvalidCredentialsError,
    NotFoundError,
    RateLimitedError,
    RefreshTokenError,
    RefreshTokenReuseError,
)
from platform_services.identity.keys import KeyRing
from platform_services.identity.metrics import IdentityMetrics
from platform_services.identity.models import (
    AccessToken,
    CreateServiceAccountRequest,
    CreateUserRequest,
    PublicUser,
    RosterEntryResult,
    RosterImportResult,
    ServiceAccount,
    ServiceAccountCredentials,
    StudentToken,
    TokenPair,
    User,
    check_org,
    check_username,
)
from platform_services.identity.passwords import SecretHasher
from platform_services.identity.ratelimit import LoginLimiter
from platform_services.identity.refresh import RefreshTokens
from platform_services.identity.roster import parse_roster
from platform_services.identity.settings import IdentitySettings
from platform_services.identity.store import UserStore
from platform_services.identity.tokens import mint_access_token
from platform_services.identity.verify import TokenVerifier

Credentials = Literal["password", "token"]


def _require(actor: Claims, *roles: Role) -> None:
    if actor.role not in roles:
        raise ForbiddenError("your role may not do this", {"role": actor.role})


def _require_org(actor: Claims, org: str) -> None:
    if actor.role != "admin" and actor.org != org:
        raise ForbiddenError("this belongs to another organisation", {"org": org})


class IdentityService:
    def __init__(
        self,
        settings: IdentitySettings,
        users: UserStore,
        hasher: SecretHasher,
        ring: KeyRing,
        refresh_tokens: RefreshTokens,
        limiter: LoginLimiter,
        verifier: TokenVerifier,
        metrics: IdentityMetrics,
    ) -> None:
        self.settings = settings
        self.users = users
        self.hasher = hasher
        self.ring = ring
        self.refresh_tokens = refresh_tokens
        self.limiter = limiter
        self.verifier = verifier
        self.metrics = metrics

    # --- tokens -------------------------------------------------------------------------
    async def _access(self, subject: str, role: Role, org: str, ttl: int, grant: str) -> str:
        key = await self.ring.active()
        token, _ = mint_access_token(
            key,
            issuer=self.settings.issuer,
            audience=self.settings.audience,
            subject=subject,
            role=role,
            org=org,
            now=int(time.time()),
            ttl_seconds=ttl,
        )
        self.metrics.tokens.labels(grant).inc()
        return token

    async def _pair(
        self,
        user: User,
        family: str | None = None,
        refresh: str | None = None,
        grant: str = "password",
    ) -> TokenPair:
        access = await self._access(
            user.user_id, user.role, user.org, self.settings.access_ttl_seconds, grant
        )
        refresh = refresh or await self.refresh_tokens.issue(user.user_id, family)
        return TokenPair(
            access_token=access,
            expires_in=self.settings.access_ttl_seconds,
            refresh_token=refresh,
            refresh_expires_in=self.settings.refresh_ttl_seconds,
        )

    async def authenticate(self, bearer: str) -> Claims:
        return await self.verifier.verify(bearer)

    async def login(self, username: str, password: str, address: str) -> TokenPair:
        """Check the password (rate-limited), rehash if parameters changed, issue a token pair."""
        try:
            await self.limiter.admit(username, address)
        except RateLimitedError as exc:
            self.metrics.rate_limited.labels(str(exc.details.get("scope"))).inc()
            raise
        user = await self.users.by_username(username)
        verdict = await self.hasher.verify(user.password_hash if user else None, password)
        if user is None or not verdict.ok or user.disabled:
            await self.limiter.failed(username)
            self.metrics.logins.labels("failure").inc()
            raise InvalidCredentialsError("wrong username or password")
        await self.limiter.succeeded(username)
        if verdict.needs_rehash:
            user = user.model_copy(update={"password_hash": await self.hasher.hash(password)})
            await self.users.save(user)
        self.metrics.logins.labels("success").inc()
        return await self._pair(user)

    async def refresh(self, refresh_token: str) -> TokenPair:
        try:
            exchanged = await self.refresh_tokens.exchange(refresh_token)
        except RefreshTokenReuseError:
            self.metrics.refresh_reuse.inc()
            raise
        user = await self.users.get(exchanged.user_id)
        if user is None or user.disabled:
            await self.refresh_tokens.revoke(exchanged.token)
            raise RefreshTokenError("the account no longer exists or is disabled")
        return await self._pair(user, refresh=exchanged.token, grant="refresh")

    async def logout(self, refresh_token: str) -> None:
        await self.refresh_tokens.revoke(refresh_token)

    async def client_credentials(self, client_id: str, secret: str, address: str) -> AccessToken:
        await self.limiter.admit(f"client:{client_id}", address)
        account = await self.users.service_account(client_id)
        verdict = await self.hasher.verify(account.secret_hash if account else None, secret)
        if account is None or not verdict.ok or account.disabled:
            await self.limiter.failed(f"client:{client_id}")
            raise InvalidCredentialsError("wrong client id or secret")
        await self.limiter.succeeded(f"client:{client_id}")
        ttl = self.settings.service_token_ttl_seconds
        token = await self._access(account.client_id, "service", account.org, ttl, "client")
        return AccessToken(access_token=token, expires_in=ttl)

    # --- users ---------------------------------------------------------------------------
    async def _new_user(
        self,
        username: str,
        password: str,
        role: Role,
        org: str,
        created_by: str | None,
        display_name: str = "",
        email: str = "",
        one_time: bool = False,
    ) -> User:
        user = User(
            user_id="u_" + uuid.uuid4().hex,
            username=check_username(username),
            display_name=display_name,
            email=email,
            role=role,
            org=check_org(org),
            password_hash=await self.hasher.hash(password),
            must_change_password=one_time,
            created_at=time.time(),
            created_by=created_by,
        )
        await self.users.create(user)
        return user

    async def create_user(self, actor: Claims, request: CreateUserRequest) -> PublicUser:
        _require(actor, "admin", "proctor")
        if actor.role == "proctor" and request.role != "student":
            raise ForbiddenError("proctors create students only")
        _require_org(actor, request.org)
        user = await self._new_user(
            request.username,
            request.password,
            request.role,
            request.org,
            actor.sub,
            request.display_name,
        )
        return PublicUser.of(user)

    async def me(self, actor: Claims) -> PublicUser:
        user = await self.users.get(actor.sub)
        if user is None:
            raise NotFoundError("no such user", {"user_id": actor.sub})
        return PublicUser.of(user)

    async def change_password(self, actor: Claims, current: str, new: str) -> int:
        """Replace the caller's password and revoke their other sessions; returns how many."""
        user = await self.users.get(actor.sub)
        if user is None:
            raise NotFoundError("no such user", {"user_id": actor.sub})
        if not (await self.hasher.verify(user.password_hash, current)).ok:
            await self.limiter.failed(user.username)
            raise InvalidCredentialsError("the current password is wrong")
        updated = user.model_copy(
            update={"password_hash": await self.hasher.hash(new), "must_change_password": False}
        )
        await self.users.save(updated)
        return await self.refresh_tokens.revoke_user(user.user_id)

    async def bootstrap_admin(self, username: str, password: str, org: str) -> bool:
        """Create the first admin if that username does not exist; True if created."""
        if await self.users.by_username(username) is not None:
            return False
        await self._new_user(username, password, "admin", org, created_by="bootstrap")
        return True

    async def create_service_account(
        self, actor: Claims, request: CreateServiceAccountRequest
    ) -> ServiceAccountCredentials:
        _require(actor, "admin")
        secret = secrets.token_urlsafe(32)
        account = ServiceAccount(
            client_id="svc_" + uuid.uuid4().hex[:16],
            name=request.name,
            org=request.org,
            secret_hash=await self.hasher.hash(secret),
            created_at=time.time(),
        )
        await self.users.create_service_account(account)
        return ServiceAccountCredentials(
            client_id=account.client_id, client_secret=secret, org=account.org
        )

    async def revoke_sessions(self, actor: Claims, user_id: str) -> int:
        if actor.sub != user_id:
            _require(actor, "admin")
        return await self.refresh_tokens.revoke_user(user_id)

    async def rotate_keys(self, actor: Claims) -> str:
        _require(actor, "admin")
        key = await self.ring.rotate()
        self.metrics.rotations.inc()
        return key.kid

    # --- rosters -------------------------------------------------------------------------
    async def import_roster(
        self, actor: Claims, org: str, csv_text: str, credentials: Credentials
    ) -> RosterImportResult:
        """Create a student per new row; new students get a one-time password or a token."""
        _require(actor, "proctor", "admin")
        _require_org(actor, org)
        rows, problems = parse_roster(csv_text, self.settings.roster_max_rows)
        entries = [
            RosterEntryResult(line=p.line, username=p.username, status="invalid", message=p.message)
            for p in problems
        ]
        for row in rows:
            existing = await self.users.by_username(row.username)
            if existing is not None:
                entries.append(
                    RosterEntryResult(
                        line=row.line,
                        username=row.username,
                        status="exists",
                        user_id=existing.user_id,
                        message=None
                        if existing.org == org and existing.role == "student"
                        else "the username belongs to another account",
                    )
                )
                continue
            password = secrets.token_urlsafe(12)
            user = await self._new_user(
                row.username,
                password,
                "student",
                org,
                actor.sub,
                row.display_name,
                row.email,
                one_time=True,
            )
            entry = RosterEntryResult(
                line=row.line, username=user.username, status="created", user_id=user.user_id
            )
            if credentials == "password":
                entry.password = password
            else:
                entry.access_token = await self._access(
                    user.user_id, "student", org, self.settings.access_ttl_seconds, "roster"
                )
            entries.append(entry)
        entries.sort(key=lambda e: e.line)
        count = {s: sum(e.status == s for e in entries) for s in ("created", "exists", "invalid")}
        return RosterImportResult(
            org=org,
            created=count["created"],
            existing=count["exists"],
            invalid=count["invalid"],
            entries=entries,
        )

    async def student_tokens(
        self, actor: Claims, org: str, usernames: list[str]
    ) -> list[StudentToken]:
        """Access tokens for students of ``org`` (a proctor's demo/test convenience)."""
        _require(actor, "proctor", "admin")
        _require_org(actor, org)
        result: list[StudentToken] = []
        ttl = self.settings.access_ttl_seconds
        for username in usernames:
            user = await self.users.by_username(username)
            if user is None or user.org != org or user.role != "student" or user.disabled:
                raise NotFoundError(
                    "no such student in this organisation", {"username": username, "org": org}
                )
            token = await self._access(user.user_id, "student", org, ttl, "proctor")
            result.append(
                StudentToken(
                    username=user.username, user_id=user.user_id, access_token=token, expires_in=ttl
                )
            )
        return result
