"""Brute-force protection for login and client-credential grants (fixed windows in Redis).

Called by ``identity.service`` before a secret is checked. Two independent limits:

* per **account**: at most ``account_max_failures`` failed attempts per window; a success resets
  it. Once reached, even the right password gets 429 until the window ends (no oracle).
* per **address**: at most ``address_max_attempts`` attempts (failed or not) per window, which
  stops one client spraying many accounts.

Windows start with the first counted event (INCR + EXPIRE NX), ``Retry-After`` is the key's TTL.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from platform_services.identity.errors import RateLimitedError


@dataclass(frozen=True)
class Limits:
    account_max_failures: int
    account_window: int
    address_max_attempts: int
    address_window: int


class LoginLimiter:
    def __init__(self, redis: Redis, limits: Limits) -> None:
        self._redis = redis
        self._limits = limits

    async def admit(self, account: str, address: str) -> None:
        """Count this attempt for the address; raise ``RateLimitedError`` if a limit is reached."""
        limits = self._limits
        address_key = f"identity:rl:addr:{address}"
        account_key = f"identity:rl:acct:{account.lower()}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(address_key)
            pipe.expire(address_key, limits.address_window, nx=True)
            pipe.ttl(address_key)
            pipe.get(account_key)
            pipe.ttl(account_key)
            attempts, _, address_ttl, failures, account_ttl = await pipe.execute()
        if int(failures or 0) >= limits.account_max_failures:
            raise RateLimitedError(
                "too many failed logins for this account",
                _ttl(account_ttl, limits.account_window),
                {"scope": "account"},
            )
        if int(attempts) > limits.address_max_attempts:
            raise RateLimitedError(
                "too many login attempts from this address",
                _ttl(address_ttl, limits.address_window),
                {"scope": "address"},
            )

    async def failed(self, account: str) -> None:
        key = f"identity:rl:acct:{account.lower()}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self._limits.account_window, nx=True)
            await pipe.execute()

    async def succeeded(self, account: str) -> None:
        await self._redis.delete(f"identity:rl:acct:{account.lower()}")


def _ttl(ttl: int, window: int) -> int:
    return int(ttl) if int(ttl) > 0 else window
