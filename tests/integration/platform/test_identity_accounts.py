"""Identity accounts: roster import, student tokens, roles, rate limiting, argon2 rehash."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from .conftest import ADMIN, identity_settings, start_identity

ROSTER = """username,display_name,email
ada,Ada Lovelace,ada@example.org
alan,Alan Turing,
not a name!,Bad Row,
ada,Duplicate,
grace,Grace Hopper,grace@example.org
"""


async def test_roster_import_creates_students_with_one_time_passwords(identity, jwks_verifier):
    proctor = await identity.proctor("uni-a")
    response = await identity.client.post(
        "/v1/orgs/uni-a/roster", headers={**proctor, "Content-Type": "text/csv"}, content=ROSTER
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["existing"], result["invalid"]) == (3, 0, 2)
    by_line = {entry["line"]: entry for entry in result["entries"]}
    assert by_line[4]["status"] == "invalid"
    assert by_line[5]["message"] == "duplicate username in this roster"
    ada = by_line[2]
    pair = await identity.login("ada", ada["password"])
    claims = await jwks_verifier.verify(pair["access_token"])
    assert (claims.role, claims.org, claims.sub) == ("student", "uni-a", ada["user_id"])

    again = await identity.client.post(
        "/v1/orgs/uni-a/roster", headers=proctor, content="username\nada\nalan\n"
    )
    assert (again.json()["created"], again.json()["existing"]) == (0, 2)
    assert all(entry["password"] is None for entry in again.json()["entries"])


async def test_proctor_gets_tokens_for_own_students_only(identity, jwks_verifier):
    proctor = await identity.proctor("uni-a")
    imported = await identity.client.post(
        "/v1/orgs/uni-a/roster?credentials=token", headers=proctor, content="username\nbob\neve\n"
    )
    entries = imported.json()["entries"]
    assert all(entry["access_token"] and entry["password"] is None for entry in entries)
    assert (await jwks_verifier.verify(entries[0]["access_token"])).role == "student"

    tokens = await identity.client.post(
        "/v1/orgs/uni-a/student-tokens", headers=proctor, json={"usernames": ["bob", "eve"]}
    )
    assert tokens.status_code == 200
    claims = [await jwks_verifier.verify(t["access_token"]) for t in tokens.json()]
    assert [c.sub for c in claims] == [e["user_id"] for e in entries]
    assert {c.role for c in claims} == {"student"}

    other = await identity.proctor("uni-b", username="other-proctor")
    foreign = await identity.client.post(
        "/v1/orgs/uni-a/student-tokens", headers=other, json={"usernames": ["bob"]}
    )
    assert foreign.status_code == 403
    assert foreign.json()["error"] == "forbidden"
    not_a_student = await identity.client.post(
        "/v1/orgs/uni-a/student-tokens", headers=proctor, json={"usernames": ["proctor"]}
    )
    assert not_a_student.status_code == 404


async def test_students_cannot_import_rosters_or_create_users(identity):
    proctor = await identity.proctor("uni-a")
    entries = (
        await identity.client.post(
            "/v1/orgs/uni-a/roster", headers=proctor, content="username\ncarl\n"
        )
    ).json()["entries"]
    student = await identity.bearer("carl", entries[0]["password"])
    roster = await identity.client.post(
        "/v1/orgs/uni-a/roster", headers=student, content="username\nx\n"
    )
    assert roster.status_code == 403
    create = await identity.client.post(
        "/v1/users",
        headers=proctor,
        json={"username": "p2", "password": "long-enough", "role": "proctor", "org": "uni-a"},
    )
    assert create.status_code == 403, "proctors create students only"
    unauthenticated = await identity.client.get("/v1/me")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"] == "unauthenticated"


async def test_roster_without_username_column_is_a_typed_422(identity):
    proctor = await identity.proctor("uni-a")
    response = await identity.client.post(
        "/v1/orgs/uni-a/roster", headers=proctor, content="name\nx\n"
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"


async def test_account_is_locked_after_failures_even_for_the_right_password(redis_client):
    settings = identity_settings(login_account_max_failures=3, login_account_window_seconds=120)
    async for identity in start_identity(redis_client, settings):
        for _ in range(3):
            wrong = await identity.client.post(
                "/v1/login", json={"username": ADMIN[0], "password": "wrong"}
            )
            assert wrong.status_code == 401
        locked = await identity.client.post(
            "/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        )
        assert locked.status_code == 429
        assert 0 < int(locked.headers["Retry-After"]) <= 120
        assert locked.json()["details"]["scope"] == "account"


async def test_one_address_spraying_accounts_is_limited(redis_client):
    settings = identity_settings(login_address_max_attempts=4, login_address_window_seconds=60)
    async for identity in start_identity(redis_client, settings):
        statuses = []
        for index in range(6):
            response = await identity.client.post(
                "/v1/login", json={"username": f"user{index}", "password": "guess"}
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 401, 429, 429]
        assert int(response.headers["Retry-After"]) <= 60


async def test_success_resets_the_account_failure_count(redis_client):
    settings = identity_settings(login_account_max_failures=2)
    async for identity in start_identity(redis_client, settings):
        wrong = {"username": ADMIN[0], "password": "wrong"}
        await identity.client.post("/v1/login", json=wrong)
        await identity.login(*ADMIN)  # resets the count: one failure is forgotten
        await identity.client.post("/v1/login", json=wrong)
        assert (await identity.login(*ADMIN))["access_token"], "one failure is under the limit"
        await identity.client.post("/v1/login", json=wrong)
        await identity.client.post("/v1/login", json=wrong)
        final = await identity.client.post(
            "/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        )
        assert final.status_code == 429, "two failures after the reset reach the limit"


@pytest.mark.parametrize("new_time_cost", [2])
async def test_password_is_rehashed_when_argon2_parameters_change(redis_client, new_time_cost):
    async for identity in start_identity(redis_client, identity_settings()):
        store = identity.app.state.service.users
        before = (await store.by_username(ADMIN[0])).password_hash
    async for identity in start_identity(
        redis_client, identity_settings(argon2_time_cost=new_time_cost)
    ):
        await identity.login(*ADMIN)
        after = (await store.by_username(ADMIN[0])).password_hash
    assert "t=1" in before
    assert f"t={new_time_cost}" in after
    assert PasswordHasher().verify(after, ADMIN[1])


async def test_student_replaces_the_one_time_password_and_old_sessions_end(identity):
    proctor = await identity.proctor("uni-a")
    entry = (
        await identity.client.post(
            "/v1/orgs/uni-a/roster", headers=proctor, content="username\ndora\n"
        )
    ).json()["entries"][0]
    pair = await identity.login("dora", entry["password"])
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await identity.client.get("/v1/me", headers=headers)).json()["must_change_password"]

    wrong = await identity.client.post(
        "/v1/me/password",
        headers=headers,
        json={"current_password": "nope", "new_password": "a-new-password"},
    )
    assert wrong.status_code == 401
    changed = await identity.client.post(
        "/v1/me/password",
        headers=headers,
        json={"current_password": entry["password"], "new_password": "a-new-password"},
    )
    assert changed.json() == {"revoked_families": 1}
    assert (await identity.client.get("/v1/me", headers=headers)).json()[
        "must_change_password"
    ] is False
    old = await identity.client.post("/v1/refresh", json={"refresh_token": pair["refresh_token"]})
    assert old.status_code == 401
    stale = await identity.client.post(
        "/v1/login", json={"username": "dora", "password": entry["password"]}
    )
    assert stale.status_code == 401
    assert (await identity.login("dora", "a-new-password"))["access_token"]
