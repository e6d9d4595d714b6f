"""The identity service's FastAPI app factory and routes (thin: parse, call the service, map).

Run by ``assessment-engine identity``; tests build it with ``create_app(settings, redis)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, Form, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from platform_services.common.errors import PlatformError
from platform_services.common.http import (
    ErrorBody,
    install_cors,
    install_error_handlers,
    ops_router,
)
from platform_services.identity.bearer import AUTH_STATUSES, bearer_claims
from platform_services.identity.claims import Claims
from platform_services.identity.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from platform_services.identity.keys import KeyRing, LocalKeySource
from platform_services.identity.metrics import IdentityMetrics
from platform_services.identity.models import (
    AccessToken,
    ChangePasswordRequest,
    CreateServiceAccountRequest,
    CreateUserRequest,
    LoginRequest,
    PublicUser,
    RefreshRequest,
    RosterImportResult,
    RotatedKey,
    ServiceAccountCredentials,
    StudentToken,
    StudentTokensRequest,
    TokenPair,
)
from platform_services.identity.passwords import SecretHasher
from platform_services.identity.ratelimit import Limits, LoginLimiter
from platform_services.identity.refresh import RefreshTokens
from platform_services.identity.service import IdentityService
from platform_services.identity.settings import IdentitySettings, get_settings
from platform_services.identity.store import UserStore
from platform_services.identity.verify import TokenVerifier

STATUSES: dict[type[PlatformError], int] = {
    **AUTH_STATUSES,
    RateLimitedError: 429,
    ConflictError: 409,
    NotFoundError: 404,
    InvalidInputError: 422,
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422, 429)
}
Caller = Annotated[Claims, Depends(bearer_claims)]
MAX_ROSTER_BYTES = 2 * 1024 * 1024


def build_service(
    settings: IdentitySettings, redis: Redis, registry: CollectorRegistry
) -> IdentityService:
    ring = KeyRing(
        redis,
        publish_seconds=settings.longest_token_ttl + settings.clock_leeway_seconds,
        rotation_seconds=settings.key_rotation_seconds,
        cache_seconds=settings.key_cache_seconds,
    )
    limits = Limits(
        settings.login_account_max_failures,
        settings.login_account_window_seconds,
        settings.login_address_max_attempts,
        settings.login_address_window_seconds,
    )
    return IdentityService(
        settings=settings,
        users=UserStore(redis),
        hasher=SecretHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_cost_kib,
            parallelism=settings.argon2_parallelism,
        ),
        ring=ring,
        refresh_tokens=RefreshTokens(redis, settings.refresh_ttl_seconds),
        limiter=LoginLimiter(redis, limits),
        verifier=TokenVerifier(
            LocalKeySource(ring),
            issuer=settings.issuer,
            audience=settings.audience,
            leeway_seconds=settings.clock_leeway_seconds,
        ),
        metrics=IdentityMetrics.create(registry),
    )


def _address(request: Request, settings: IdentitySettings) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if settings.trust_forwarded_for and forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def _service(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.service
    return service


Service = Annotated[IdentityService, Depends(_service)]


def create_app(settings: IdentitySettings | None = None, redis: Redis | None = None) -> FastAPI:
    settings = settings or get_settings()
    owns_redis = redis is None
    client: Redis = redis if redis is not None else Redis.from_url(settings.redis_url)
    registry = CollectorRegistry()
    service = build_service(settings, client, registry)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.ring.active()
        if settings.bootstrap_admin_username and settings.bootstrap_admin_password:
            await service.bootstrap_admin(
                settings.bootstrap_admin_username,
                settings.bootstrap_admin_password.get_secret_value(),
                settings.bootstrap_admin_org,
            )
        yield
        if owns_redis:
            await client.aclose()

    app = FastAPI(title="identity", lifespan=lifespan, responses=ERRORS)
    app.state.service = service
    app.state.verifier = service.verifier
    install_error_handlers(app, STATUSES)

    async def ready() -> None:
        await client.ping()

    app.include_router(ops_router(registry, ready))
    _routes(app)
    install_cors(app, settings.cors_origins)
    return app


def _routes(app: FastAPI) -> None:  # noqa: C901 - one short function per route
    @app.get("/.well-known/jwks.json")
    async def jwks(service: Service) -> JSONResponse:
        return JSONResponse(await service.ring.jwks(), headers={"Cache-Control": "max-age=60"})

    @app.post("/v1/login")
    async def login(body: LoginRequest, request: Request, service: Service) -> TokenPair:
        return await service.login(
            body.username, body.password, _address(request, service.settings)
        )

    @app.post("/v1/refresh")
    async def refresh(body: RefreshRequest, service: Service) -> TokenPair:
        return await service.refresh(body.refresh_token)

    @app.post("/v1/logout", status_code=204)
    async def logout(body: RefreshRequest, service: Service) -> Response:
        await service.logout(body.refresh_token)
        return Response(status_code=204)

    @app.post("/v1/token")
    async def client_token(
        request: Request,
        service: Service,
        grant_type: Annotated[Literal["client_credentials"], Form()],
        client_id: Annotated[str, Form()],
        client_secret: Annotated[str, Form()],
    ) -> AccessToken:
        return await service.client_credentials(
            client_id, client_secret, _address(request, service.settings)
        )

    @app.get("/v1/me")
    async def me(caller: Caller, service: Service) -> PublicUser:
        return await service.me(caller)

    @app.post("/v1/me/password")
    async def change_password(
        body: ChangePasswordRequest, caller: Caller, service: Service
    ) -> dict[str, int]:
        revoked = await service.change_password(caller, body.current_password, body.new_password)
        return {"revoked_families": revoked}

    @app.post("/v1/users", status_code=201)
    async def create_user(body: CreateUserRequest, caller: Caller, service: Service) -> PublicUser:
        return await service.create_user(caller, body)

    @app.post("/v1/users/{user_id}/sessions/revoke")
    async def revoke_sessions(user_id: str, caller: Caller, service: Service) -> dict[str, int]:
        return {"revoked_families": await service.revoke_sessions(caller, user_id)}

    @app.post("/v1/service-accounts", status_code=201)
    async def create_service_account(
        body: CreateServiceAccountRequest, caller: Caller, service: Service
    ) -> ServiceAccountCredentials:
        return await service.create_service_account(caller, body)

    @app.post("/v1/orgs/{org}/roster")
    async def import_roster(
        org: str,
        request: Request,
        caller: Caller,
        service: Service,
        credentials: Annotated[Literal["password", "token"], Query()] = "password",
    ) -> RosterImportResult:
        raw = await request.body()
        if len(raw) > MAX_ROSTER_BYTES:
            raise InvalidInputError("the roster is larger than 2 MiB")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError("the roster must be UTF-8 CSV") from exc
        return await service.import_roster(caller, org, text, credentials)

    @app.post("/v1/orgs/{org}/student-tokens")
    async def student_tokens(
        org: str, body: Annotated[StudentTokensRequest, Body()], caller: Caller, service: Service
    ) -> list[StudentToken]:
        return await service.student_tokens(caller, org, body.usernames)

    @app.post("/v1/admin/keys/rotate")
    async def rotate(caller: Caller, service: Service) -> RotatedKey:
        return RotatedKey(kid=await service.rotate_keys(caller))
