"""Identity tokens end to end: login, JWKS verification, expiry, audience, rotation, refresh."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from platform_services.identity.errors import (
    ExpiredTokenError,
    InvalidTokenError,
    UnknownKeyError,
)
from platform_services.identity.keys import KeyRing, SigningKey
from platform_services.identity.tokens import mint_access_token

from .conftest import ADMIN, ISSUER


async def _active_key(identity) -> SigningKey:
    key: SigningKey = await identity.app.state.service.ring.active()
    return key


async def test_login_token_is_eddsa_and_verifies_through_jwks(identity, jwks_verifier):
    pair = await identity.login(*ADMIN)
    header = jwt.get_unverified_header(pair["access_token"])
    assert header["alg"] == "EdDSA"
    claims = await jwks_verifier.verify(pair["access_token"])
    assert claims.role == "admin"
    assert claims.org == "platform"
    assert claims.aud == "exam-platform"
    assert claims.iss == ISSUER
    assert claims.exp - claims.iat == 300
    jwks = (await identity.client.get("/.well-known/jwks.json")).json()
    assert [key["kid"] for key in jwks["keys"]] == [header["kid"]]
    assert all("d" not in key for key in jwks["keys"]), "the JWKS must not publish private parts"


async def test_expired_token_is_rejected(identity, jwks_verifier):
    key = await _active_key(identity)
    token, _ = mint_access_token(
        key,
        issuer=ISSUER,
        audience="exam-platform",
        subject="u1",
        role="student",
        org="o",
        now=int(time.time()) - 600,
        ttl_seconds=60,
    )
    with pytest.raises(ExpiredTokenError):
        await jwks_verifier.verify(token)


@pytest.mark.parametrize(
    ("issuer", "audience"), [(ISSUER, "someone-else"), ("http://evil.test", "exam-platform")]
)
async def test_wrong_audience_or_issuer_is_rejected(identity, jwks_verifier, issuer, audience):
    key = await _active_key(identity)
    token, _ = mint_access_token(
        key,
        issuer=issuer,
        audience=audience,
        subject="u1",
        role="student",
        org="o",
        now=int(time.time()),
        ttl_seconds=60,
    )
    with pytest.raises(InvalidTokenError):
        await jwks_verifier.verify(token)


async def test_token_signed_by_a_foreign_key_with_a_known_kid_is_rejected(identity, jwks_verifier):
    real = await _active_key(identity)
    forged = SigningKey(real.kid, Ed25519PrivateKey.generate(), real.created_at)
    token, _ = mint_access_token(
        forged,
        issuer=ISSUER,
        audience="exam-platform",
        subject="u1",
        role="admin",
        org="o",
        now=int(time.time()),
        ttl_seconds=60,
    )
    with pytest.raises(InvalidTokenError):
        await jwks_verifier.verify(token)


async def test_rotation_refetches_jwks_once_and_old_tokens_keep_verifying(
    identity, jwks_source, jwks_verifier
):
    admin = await identity.admin()
    old_token = admin["Authorization"].removeprefix("Bearer ")
    await jwks_verifier.verify(old_token)
    assert jwks_source.fetches == 1

    rotated = await identity.client.post("/v1/admin/keys/rotate", headers=admin)
    assert rotated.status_code == 200
    new_kid = rotated.json()["kid"]
    new_token = (await identity.login(*ADMIN))["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid

    assert (await jwks_verifier.verify(new_token)).role == "admin"
    assert jwks_source.fetches == 2, "an unknown kid triggers exactly one refetch"
    assert (await jwks_verifier.verify(old_token)).role == "admin"
    assert jwks_source.fetches == 2, "the old key is still published, no further fetch"

    stranger = SigningKey("not-a-published-kid", Ed25519PrivateKey.generate(), 0)
    token, _ = mint_access_token(
        stranger,
        issuer=ISSUER,
        audience="exam-platform",
        subject="u1",
        role="admin",
        org="o",
        now=int(time.time()),
        ttl_seconds=60,
    )
    with pytest.raises(UnknownKeyError):
        await jwks_verifier.verify(token)


async def test_retired_key_leaves_jwks_after_its_last_token_expired(redis_client):
    ring = KeyRing(redis_client, publish_seconds=330)
    first = await ring.rotate(now=1000.0)
    second = await ring.rotate(now=2000.0)
    during = {key["kid"] for key in (await ring.jwks(now=2000.0 + 330))["keys"]}
    assert during == {first.kid, second.kid}
    after = {key["kid"] for key in (await ring.jwks(now=2000.0 + 331))["keys"]}
    assert after == {second.kid}
    assert await ring.prune(now=2000.0 + 331) == [first.kid]


async def test_interval_rotation_makes_one_new_key(redis_client):
    ring = KeyRing(redis_client, publish_seconds=330, rotation_seconds=100, cache_seconds=0)
    first = await ring.active(now=time.time() - 1000)
    second = await ring.active()
    assert second.kid != first.kid
    assert (await ring.active()).kid == second.kid


async def test_refresh_rotates_and_reuse_revokes_the_family(identity):
    first = await identity.login(*ADMIN)
    second = (
        await identity.client.post("/v1/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = await identity.client.post(
        "/v1/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert third.status_code == 200

    reused = await identity.client.post(
        "/v1/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401
    assert reused.json()["error"] == "refresh_token_reused"
    latest = await identity.client.post(
        "/v1/refresh", json={"refresh_token": third.json()["refresh_token"]}
    )
    assert latest.status_code == 401, "the whole family is revoked after reuse"
    assert latest.json()["error"] == "invalid_refresh_token"

    other_login = await identity.login(*ADMIN)
    still = await identity.client.post(
        "/v1/refresh", json={"refresh_token": other_login["refresh_token"]}
    )
    assert still.status_code == 200, "another login's family is unaffected"


async def test_logout_revokes_the_refresh_token(identity):
    pair = await identity.login(*ADMIN)
    out = await identity.client.post("/v1/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    again = await identity.client.post("/v1/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401


async def test_service_account_gets_service_tokens(identity, jwks_verifier):
    created = await identity.client.post(
        "/v1/service-accounts",
        headers=await identity.admin(),
        json={"name": "analytics", "org": "platform"},
    )
    assert created.status_code == 201
    creds = created.json()
    form = {
        "grant_type": "client_credentials",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
    }
    token = await identity.client.post("/v1/token", data=form)
    assert token.status_code == 200
    claims = await jwks_verifier.verify(token.json()["access_token"])
    assert (claims.role, claims.sub) == ("service", creds["client_id"])
    wrong = await identity.client.post("/v1/token", data={**form, "client_secret": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_credentials"


async def test_ops_endpoints(identity):
    assert (await identity.client.get("/healthz")).json() == {"status": "ok"}
    assert (await identity.client.get("/readyz")).status_code == 200
    await identity.login(*ADMIN)
    metrics = (await identity.client.get("/metrics")).text
    assert 'identity_logins_total{outcome="success"} 1.0' in metrics
