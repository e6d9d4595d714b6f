"""Authorization matrix of the notifications service, read from its route table: a route
without a rule here fails the test. Every route is called with every role's identity token (and
none) against the real service (uvicorn subprocess, real Redis)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis.asyncio as aioredis

from platform_services.notifications.app import create_app
from platform_services.notifications.settings import NotifySettings
from tests.integration.api.test_authorization import api_routes

from .conftest import create_exam, people
from .processes import ADMIN

STUDENT = frozenset({"student"})
MONITOR = frozenset({"owner", "admin"})
PUBLIC = None
RULES: dict[str, frozenset[str] | None] = {
    "GET /v1/students/me/stream": STUDENT,
    "POST /v1/students/me/presence": STUDENT,
    "GET /v1/exams/{exam_id}/monitor/stream": MONITOR,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
}
ROLES = ("student", "owner", "other_proctor", "admin", "service", "anonymous")
EXAM = "exam-notify-authz"


def _route_names() -> list[str]:
    app = create_app(NotifySettings(redis_url="redis://127.0.0.1:9/0"))
    names = sorted(
        f"{method} {route.path}" for route in api_routes(app.routes) for method in route.methods
    )
    documented = {f"{m.upper()} {p}" for p, ops in app.openapi()["paths"].items() for m in ops}
    assert set(names) == documented  # the walk found every route
    return names


ROUTES = _route_names()


def test_every_route_has_a_rule() -> None:
    assert set(ROUTES) == set(RULES)


@pytest.fixture(scope="module")
def tokens(platform) -> dict[str, str]:
    async def make() -> dict[str, str]:
        tokens, ids = await people(platform.identity_url, "nauthz")
        async with httpx.AsyncClient(base_url=platform.identity_url) as identity:
            login = await identity.post(
                "/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]}
            )
            admin = login.json()["access_token"]
            creds = (
                await identity.post(
                    "/v1/service-accounts",
                    headers={"Authorization": f"Bearer {admin}"},
                    json={"name": "authz-matrix", "org": "platform"},
                )
            ).json()
            service = await identity.post(
                "/v1/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": creds["client_id"],
                    "client_secret": creds["client_secret"],
                },
            )
        client = aioredis.Redis.from_url(platform.redis_url)
        try:
            await create_exam(client, EXAM, ids["proctor"], roster=(ids["alice"],))
        finally:
            await client.aclose()
        return {
            "student": tokens["alice"],
            "owner": tokens["proctor"],
            "other_proctor": tokens["intruder"],
            "admin": admin,
            "service": service.json()["access_token"],
        }

    return asyncio.run(make())


async def _status(base: str, method: str, path: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = path.replace("{exam_id}", EXAM)
    if url == "/v1/students/me/stream":
        url += f"?exam_id={EXAM}"
    body = {"exam_id": EXAM, "connection_id": "0" * 32} if method == "POST" else None
    async with (
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        client.stream(method, url, headers=headers, json=body) as response,
    ):
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response.status_code, "stream"
        return response.status_code, (await response.aread()).decode()


@pytest.mark.parametrize("route", ROUTES)
async def test_authorization_matrix(platform, tokens, route: str) -> None:
    method, path = route.split(" ", 1)
    allowed = RULES[route]
    for role in ROLES:
        status, text = await _status(platform.notify_url, method, path, tokens.get(role))
        where = f"{route} as {role}: {status} {text}"
        if allowed is PUBLIC:
            assert status not in (401, 403), where
        elif role == "anonymous":
            assert status == 401, where
        elif role in allowed:
            assert status not in (401, 403), where
            assert status < 500, where
        else:
            assert status == 403, where
