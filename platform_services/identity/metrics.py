"""Prometheus metrics of the identity service, registered on the app's own registry."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter


@dataclass(frozen=True)
class IdentityMetrics:
    logins: Counter
    tokens: Counter
    refresh_reuse: Counter
    rate_limited: Counter
    rotations: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> IdentityMetrics:
        return cls(
            logins=Counter(
                "identity_logins_total", "Login attempts by outcome", ["outcome"], registry=registry
            ),
            tokens=Counter(
                "identity_tokens_issued_total", "Access tokens issued", ["grant"], registry=registry
            ),
            refresh_reuse=Counter(
                "identity_refresh_reuse_total",
                "Reused refresh tokens (family revoked)",
                registry=registry,
            ),
            rate_limited=Counter(
                "identity_rate_limited_total",
                "Attempts refused with 429",
                ["scope"],
                registry=registry,
            ),
            rotations=Counter(
                "identity_key_rotations_total", "Signing key rotations", registry=registry
            ),
        )
