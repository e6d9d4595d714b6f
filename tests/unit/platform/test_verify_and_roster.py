"""Pure parts of identity: the verifier's refusals (no I/O: a static key source) and roster CSV."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from platform_services.identity.errors import InvalidInputError, InvalidTokenError
from platform_services.identity.keys import SigningKey, new_key_record
from platform_services.identity.roster import parse_roster
from platform_services.identity.tokens import mint_access_token
from platform_services.identity.verify import TokenVerifier, parse_jwks


class StaticKeys:
    def __init__(self, keys):
        self._keys = keys
        self.refreshes = 0

    async def keys(self, *, refresh):
        self.refreshes += refresh
        return self._keys


def _claims(**overrides):
    now = int(time.time())
    claims = {
        "iss": "iss",
        "aud": "exam-platform",
        "sub": "u",
        "role": "student",
        "org": "o",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
    }
    claims.update(overrides)
    return claims


@pytest.fixture
def key():
    return SigningKey("k1", Ed25519PrivateKey.generate(), 0)


@pytest.fixture
def verifier(key):
    return TokenVerifier(StaticKeys({"k1": key.private_key.public_key()}), issuer="iss")


async def test_valid_token_verifies(verifier, key):
    token, claims = mint_access_token(
        key,
        issuer="iss",
        audience="exam-platform",
        subject="u",
        role="proctor",
        org="o",
        now=int(time.time()),
        ttl_seconds=60,
    )
    assert await verifier.verify(token) == claims


async def test_unsigned_and_hmac_tokens_are_refused(verifier):
    unsigned = jwt.encode(_claims(), "", algorithm="none", headers={"kid": "k1"})
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier.verify(unsigned)
    hmac = jwt.encode(
        _claims(), "secret-secret-secret-secret-secret", algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier.verify(hmac)


async def test_missing_claim_or_unknown_role_is_refused(verifier, key):
    for claims in ({k: v for k, v in _claims().items() if k != "jti"}, _claims(role="root")):
        token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": "k1"})
        with pytest.raises(InvalidTokenError):
            await verifier.verify(token)


async def test_garbage_is_refused(verifier):
    with pytest.raises(InvalidTokenError, match="well-formed"):
        await verifier.verify("not.a.jwt")


def test_jwks_parsing_skips_unusable_entries():
    record = new_key_record(0.0)
    keys = parse_jwks({"keys": [record.public_jwk, {"kty": "weird", "kid": "x"}, {"kty": "OKP"}]})
    assert list(keys) == [record.kid]


def test_roster_parsing_reports_bad_rows_by_line():
    rows, problems = parse_roster("\ufeffUserName,Display_Name\nAda,Ada L\n,empty\nada,dup\n", 10)
    assert [(r.line, r.username, r.display_name) for r in rows] == [(2, "ada", "Ada L")]
    assert [(p.line, p.message.split()[0]) for p in problems] == [
        (3, "usernames"),
        (4, "duplicate"),
    ]


def test_roster_limits_and_header_are_enforced():
    with pytest.raises(InvalidInputError, match="more than 2"):
        parse_roster("username\na\nb\nc\n", 2)
    with pytest.raises(InvalidInputError, match="username"):
        parse_roster("email\na@b\n", 10)
