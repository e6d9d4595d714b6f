"""Contract: the assessment API accepts identity's tokens through the JWKS, and only valid ones
with the right role (the API app in-process, identity as a real uvicorn subprocess)."""

from __future__ import annotations

import httpx
import pytest

from assessment_engine.api.app import create_app as create_api
from assessment_engine.api.settings import ApiSettings

from .conftest import people
from .processes import ADMIN, ISSUER


@pytest.fixture
async def api(platform, live_redis):
    settings = ApiSettings(
        redis_url=platform.redis_url,
        jwks_url=f"{platform.identity_url}/.well-known/jwks.json",
        jwt_issuer=ISSUER,
        jwks_min_refetch_seconds=0.001,
        sweeper_enabled=False,
    )
    app = create_api(settings, redis=live_redis)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


async def test_api_accepts_identity_tokens_by_role_and_after_key_rotation(platform, api):
    tokens, _ = await people(platform.identity_url, "contract")
    proctor = {"Authorization": f"Bearer {tokens['proctor']}"}
    student = {"Authorization": f"Bearer {tokens['alice']}"}

    assert (await api.get("/v1/exams", headers=proctor)).status_code == 200
    assert (await api.get("/v1/exams", headers=student)).status_code == 403
    assert (await api.get("/v1/exams")).status_code == 401
    tampered = tokens["proctor"][:-4] + (
        "AAAA" if not tokens["proctor"].endswith("AAAA") else "BBBB"
    )
    assert (
        await api.get("/v1/exams", headers={"Authorization": f"Bearer {tampered}"})
    ).status_code == 401

    async with httpx.AsyncClient(base_url=platform.identity_url) as identity:
        login = await identity.post("/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        rotated = await identity.post("/v1/admin/keys/rotate", headers=admin)
        assert rotated.status_code == 200
        fresh = await identity.post(
            "/v1/login", json={"username": "proctor-contract", "password": "proctor-password"}
        )
    new_token = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert (await api.get("/v1/exams", headers=new_token)).status_code == 200, "new kid refetched"
    assert (await api.get("/v1/exams", headers=proctor)).status_code == 200, "old key still valid"
