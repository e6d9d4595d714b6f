"""Fixtures for the platform services: apps on the shared real Redis, httpx over ASGI.

``identity`` is an identity app with cheap argon2 parameters and a bootstrapped admin;
``jwks_verifier`` verifies through the identity app's real JWKS route (httpx ASGITransport).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from exam_stack.localstack.processes import start_redis
from platform_services.identity.app import create_app
from platform_services.identity.settings import IdentitySettings
from platform_services.identity.verify import JwksKeySource, TokenVerifier

from .processes import start_platform

ISSUER = "http://identity.test"
ADMIN = ("root", "root-password-1")


def identity_settings(**overrides: object) -> IdentitySettings:
    values: dict[str, object] = {
        "issuer": ISSUER,
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 8,
        "argon2_parallelism": 1,
        "bootstrap_admin_username": ADMIN[0],
        "bootstrap_admin_password": ADMIN[1],
        "key_cache_seconds": 0,
    }
    values.update(overrides)
    return IdentitySettings.model_validate(values)


@dataclass
class Identity:
    app: FastAPI
    client: httpx.AsyncClient

    async def login(self, username: str, password: str) -> dict[str, object]:
        response = await self.client.post(
            "/v1/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    async def bearer(self, username: str, password: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {(await self.login(username, password))['access_token']}"}

    async def admin(self) -> dict[str, str]:
        return await self.bearer(*ADMIN)

    async def proctor(self, org: str, username: str = "proctor") -> dict[str, str]:
        password = f"{username}-password"
        response = await self.client.post(
            "/v1/users",
            headers=await self.admin(),
            json={"username": username, "password": password, "role": "proctor", "org": org},
        )
        assert response.status_code == 201, response.text
        return await self.bearer(username, password)


async def start_identity(
    redis: aioredis.Redis, settings: IdentitySettings
) -> AsyncIterator[Identity]:
    app = create_app(settings, redis)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
            yield Identity(app, client)


@pytest.fixture
async def identity(redis_client: aioredis.Redis) -> AsyncIterator[Identity]:
    async for running in start_identity(redis_client, identity_settings()):
        yield running


@pytest.fixture
def jwks_source(identity: Identity) -> JwksKeySource:
    return JwksKeySource(
        f"{ISSUER}/.well-known/jwks.json", client=identity.client, min_refetch_seconds=0
    )


@pytest.fixture
def jwks_verifier(jwks_source: JwksKeySource) -> TokenVerifier:
    return TokenVerifier(jwks_source, issuer=ISSUER, audience="exam-platform")


async def user_id(identity: Identity, headers: dict[str, str]) -> str:
    me = await identity.client.get("/v1/me", headers=headers)
    return str(me.json()["user_id"])


async def create_exam(
    redis: aioredis.Redis,
    exam_id: str,
    owner: str,
    org: str = "uni-a",
    roster: tuple[str, ...] = (),
) -> None:
    """An exam definition in the assessment engine's store (owner = proctor's subject)."""
    from datetime import UTC, datetime, timedelta

    from assessment_engine.exams.models import Exam, ExamTiming
    from assessment_engine.storage.exams import create_exam as store_exam

    now = datetime.now(UTC)
    exam = Exam(
        exam_id=exam_id,
        title=f"Exam {exam_id}",
        owner=owner,
        org=org,
        created_at=now,
        timing=ExamTiming(opens_at=now - timedelta(hours=2), closes_at=now - timedelta(hours=1)),
        question_ids=("i1", "i2", "i3", "i4"),
        roster=roster,
    )
    await store_exam(redis, exam)


@dataclass
class Platform:
    redis_url: str
    identity_url: str
    notify_url: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One Redis (no fsync: durability is not under test here) and both services per module;
    tests keep apart by their own usernames, organisations and exam ids."""
    workdir = tmp_path_factory.mktemp("platform-live")
    redis = start_redis(workdir / "redis", appendfsync="no")
    try:
        identity, notifications = start_platform(redis.url, workdir, client_queue_size="8")
    except Exception:
        redis.stop()
        raise
    yield Platform(redis.url, identity.url, notifications.url)
    notifications.stop()
    identity.stop()
    redis.stop()


@pytest.fixture
async def live_redis(platform):
    client = aioredis.Redis.from_url(platform.redis_url)
    yield client
    await client.aclose()


async def people(identity_url, tag):
    """Admin makes proctors; a proctor imports a roster and gets tokens for the students.

    Returns tokens and user ids keyed by role names (proctor, intruder, alice, bob)."""
    async with httpx.AsyncClient(base_url=identity_url) as client:
        admin = (
            await client.post(
                "/v1/login", json=dict(zip(("username", "password"), ADMIN, strict=True))
            )
        ).json()
        admin_h = {"Authorization": f"Bearer {admin['access_token']}"}
        org = f"org-{tag}"
        for name in ("proctor", "intruder"):
            created = await client.post(
                "/v1/users",
                headers=admin_h,
                json={
                    "username": f"{name}-{tag}",
                    "password": f"{name}-password",
                    "role": "proctor",
                    "org": org,
                },
            )
            assert created.status_code == 201, created.text
        tokens = {}
        for name in ("proctor", "intruder"):
            login = await client.post(
                "/v1/login", json={"username": f"{name}-{tag}", "password": f"{name}-password"}
            )
            tokens[name] = login.json()["access_token"]
        proctor_h = {"Authorization": f"Bearer {tokens['proctor']}"}
        roster = await client.post(
            f"/v1/orgs/{org}/roster?credentials=token",
            headers=proctor_h,
            content=f"username,display_name\nalice-{tag},Alice\nbob-{tag},Bob\n",
        )
        assert roster.status_code == 200, roster.text
        ids = {}
        for entry in roster.json()["entries"]:
            name = entry["username"].removesuffix(f"-{tag}")
            tokens[name] = entry["access_token"]
            ids[name] = entry["user_id"]
        ids["proctor"] = (await client.get("/v1/me", headers=proctor_h)).json()["user_id"]
    return tokens, ids
