"""Authorization matrix for every route and role, read from the app's route table: a route
without a rule here fails the test, so no route ships without a decision on who may call it."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.routing import APIRoute

from assessment_engine.api.app import create_app
from assessment_engine.api.auth import ROLES, require_roles
from assessment_engine.api.settings import ApiSettings
from tests.integration.api.conftest import Api

PROCTOR = frozenset({"proctor", "admin"})
STUDENT = frozenset({"student"})
OPERATOR = frozenset({"admin", "service"})
GRADING_VIEW = frozenset({"proctor", "admin", "service"})
PUBLIC = None

RULES: dict[str, frozenset[str] | None] = {
    "POST /v1/exams": PROCTOR,
    "GET /v1/exams": PROCTOR,
    "GET /v1/exams/{exam_id}": PROCTOR,
    "PATCH /v1/exams/{exam_id}": PROCTOR,
    "PUT /v1/exams/{exam_id}/accommodations/{student_id}": PROCTOR,
    "POST /v1/exams/{exam_id}/release": PROCTOR,
    "GET /v1/exams/{exam_id}/monitor": PROCTOR,
    "GET /v1/exams/{exam_id}/attempts": PROCTOR,
    "GET /v1/exams/{exam_id}/roster": PROCTOR,
    "POST /v1/exams/{exam_id}/attempts/{student_id}/pause": PROCTOR,
    "POST /v1/exams/{exam_id}/attempts/{student_id}/resume": PROCTOR,
    "POST /v1/exams/{exam_id}/attempts/{student_id}/extend": PROCTOR,
    "POST /v1/exams/{exam_id}/attempts/{student_id}/terminate": PROCTOR,
    "GET /v1/exams/{exam_id}/audit": PROCTOR,
    "GET /v1/exams/{exam_id}/results.csv": PROCTOR,
    "GET /v1/exams/{exam_id}/dead-letters": PROCTOR,
    "POST /v1/exams/{exam_id}/dead-letters/{dead_id}/retry": PROCTOR,
    "POST /v1/exams/{exam_id}/regrades": PROCTOR,
    "POST /v1/exams/{exam_id}/regrades/{regrade_id}/apply": PROCTOR,
    "GET /v1/exams/{exam_id}/overview": STUDENT,
    "POST /v1/exams/{exam_id}/attempt": STUDENT,
    "GET /v1/exams/{exam_id}/attempt": STUDENT,
    "GET /v1/exams/{exam_id}/attempt/questions": STUDENT,
    "PUT /v1/exams/{exam_id}/attempt/answers/{question_id}": STUDENT,
    "POST /v1/exams/{exam_id}/attempt/submit": STUDENT,
    "GET /v1/exams/{exam_id}/attempt/result": STUDENT,
    "GET /v1/exams/{exam_id}/attempt/submission": STUDENT,
    "GET /v1/students/me/exams": STUDENT,
    "GET /v1/grading/decision": GRADING_VIEW,
    "GET /v1/schedule/upcoming": OPERATOR,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    "POST /v1/dev/tokens": PUBLIC,
    "GET /v1/dev/jwks.json": PUBLIC,
}
EXAM_SCOPED_PROCTOR = {k for k, v in RULES.items() if v is PROCTOR and "{exam_id}" in k}


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


def _route_table() -> list[tuple[str, str, APIRoute]]:
    app = create_app(ApiSettings(dev_issuer=True, sweeper_enabled=False))
    table = [
        (method, route.path, route)
        for route in api_routes(app.routes)
        for method in sorted(route.methods or ())
    ]
    documented = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    assert {(m, p) for m, p, _ in table} == documented  # the walk found every route
    return table


ROUTES = _route_table()
ROUTE_NAMES = [f"{m} {p}" for m, p, _ in ROUTES]


def test_every_route_has_a_rule_and_the_rule_matches_its_dependency() -> None:
    for method, path, route in ROUTES:
        name = f"{method} {path}"
        assert name in RULES, f"{name} has no authorization rule"
        guards = [d.call for d in route.dependant.dependencies if isinstance(d.call, require_roles)]
        expected = RULES[name]
        if expected is PUBLIC:
            assert not guards, f"{name} is public in the table but guarded"
        else:
            assert len(guards) == 1, f"{name} must have exactly one role guard"
            assert guards[0].roles == expected, f"{name}: {guards[0].roles} != {expected}"
    assert set(RULES) == {f"{m} {p}" for m, p, _ in ROUTES}


def _url(path: str, exam_id: str) -> str:
    return (
        path.replace("{exam_id}", exam_id)
        .replace("{student_id}", "s1")
        .replace("{question_id}", "tf")
        .replace("{dead_id}", "0-1")
        .replace("{regrade_id}", "0" * 32)
    )


@pytest.mark.parametrize("route", ROUTE_NAMES)
async def test_authorization_matrix(api: Api, route: str) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id, "s1")
    method, path = route.split(" ", 1)
    allowed = RULES[route]
    for role in (*ROLES, "anonymous"):
        subject = "s1" if role == "student" else "proctor-1"
        headers = {} if role == "anonymous" else api.token(subject, role)
        response = await api.client.request(method, _url(path, exam_id), headers=headers)
        status, where = response.status_code, f"{route} as {role}: {response.text}"
        if allowed is PUBLIC:
            assert status not in (401, 403), where
        elif role == "anonymous":
            assert status == 401, where
            assert response.json()["code"] == "missing_token"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        elif role in allowed:
            assert status not in (401, 403), where
            assert status < 500, where
        else:
            assert status == 403, where
            assert response.json()["code"] == "forbidden"
            assert role in response.json()["message"]


@pytest.mark.parametrize("route", sorted(EXAM_SCOPED_PROCTOR))
async def test_a_proctor_cannot_touch_another_proctors_exam(api: Api, route: str) -> None:
    exam_id = (await api.create_exam("proctor-1"))["exam_id"]
    await api.start(exam_id, "s1")
    method, path = route.split(" ", 1)
    response = await api.client.request(
        method, _url(path, exam_id), headers=api.token("proctor-2", "proctor"), json={"reason": "x"}
    )
    assert response.status_code in (403, 422), response.text
    if response.status_code == 403:
        assert response.json()["code"] == "forbidden"


async def test_admin_sees_every_exam_a_proctor_only_their_own(api: Api) -> None:
    await api.create_exam("proctor-1")
    await api.create_exam("proctor-2")
    mine = await api.client.get("/v1/exams", headers=api.token("proctor-1", "proctor"))
    everything = await api.client.get("/v1/exams", headers=api.token("root", "admin"))
    assert [e["owner"] for e in mine.json()] == ["proctor-1"]
    assert sorted(e["owner"] for e in everything.json()) == ["proctor-1", "proctor-2"]


async def test_a_student_only_reaches_their_own_attempt(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    await api.start(exam_id, "s1")
    other = await api.client.get(f"/v1/exams/{exam_id}/attempt", headers=api.token("s2"))
    assert other.status_code == 404
    off_roster = await api.client.get(f"/v1/exams/{exam_id}/overview", headers=api.token("x9"))
    assert off_roster.status_code == 403


async def test_expired_forged_and_malformed_tokens_are_401(api: Api) -> None:
    dev = api.app.state.verifier.dev
    expired = dev.mint("s1", "student", ttl=-3600)
    forged_key = Ed25519PrivateKey.generate()
    now = int(time.time())
    claims = {
        "iss": dev.issuer,
        "aud": dev.audience,
        "sub": "s1",
        "role": "admin",
        "iat": now,
        "exp": now + 60,
    }
    forged = jwt.encode(claims, forged_key, algorithm="EdDSA", headers={"kid": dev.kid})
    unknown_kid = jwt.encode(claims, forged_key, algorithm="EdDSA", headers={"kid": "other"})
    wrong_audience = jwt.encode({**claims, "aud": "elsewhere"}, forged_key, algorithm="EdDSA")
    cases = {
        expired: "expired_token",
        forged: "invalid_token",
        unknown_kid: "invalid_token",
        wrong_audience: "invalid_token",
        "not-a-jwt": "invalid_token",
    }
    for token, code in cases.items():
        response = await api.client.get("/v1/exams", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["code"] == code
        assert "invalid_token" in response.headers["WWW-Authenticate"]
    basic = await api.client.get("/v1/exams", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


async def test_dev_routes_are_absent_when_the_dev_issuer_is_off(api_factory) -> None:
    api = api_factory(dev_issuer=False, jwks_url="http://127.0.0.1:9/jwks.json")
    response = await api.client.post("/v1/dev/tokens", json={"sub": "x", "role": "admin"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "/v1/dev/tokens" not in api.app.openapi()["paths"]


async def test_dev_issuer_mints_tokens_the_api_accepts(api: Api) -> None:
    minted = await api.client.post("/v1/dev/tokens", json={"sub": "p9", "role": "proctor"})
    assert minted.status_code == 201
    token = minted.json()["access_token"]
    response = await api.client.get("/v1/exams", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
