"""Operator actions on the identity store without the HTTP API (called by the CLI)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from platform_services.identity.app import build_service
from platform_services.identity.settings import IdentitySettings


async def bootstrap_admin(username: str, password: str, org: str) -> bool:
    settings = IdentitySettings()
    redis = Redis.from_url(settings.redis_url)
    try:
        service = build_service(settings, redis, CollectorRegistry())
        return await service.bootstrap_admin(username, password, org)
    finally:
        await redis.aclose()


async def rotate_key() -> str:
    settings = IdentitySettings()
    redis = Redis.from_url(settings.redis_url)
    try:
        service = build_service(settings, redis, CollectorRegistry())
        return (await service.ring.rotate()).kid
    finally:
        await redis.aclose()
