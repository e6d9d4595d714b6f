"""Argon2id password and client-secret hashing (argon2-cffi), run off the event loop.

Called by ``identity.service``. ``verify`` answers whether the secret matches and whether the
stored hash was made with other parameters than the configured ones (then the caller rehashes).
Unknown users are checked against a dummy hash so timing does not reveal which usernames exist.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True)
class Verdict:
    ok: bool
    needs_rehash: bool = False


class SecretHasher:
    def __init__(self, *, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        self._dummy: str | None = None

    async def hash(self, secret: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, secret)

    async def verify(self, stored: str | None, secret: str) -> Verdict:
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash("dummy-password-for-timing")
            await self._check(self._dummy, secret)
            return Verdict(ok=False)
        if not await self._check(stored, secret):
            return Verdict(ok=False)
        return Verdict(ok=True, needs_rehash=self._hasher.check_needs_rehash(stored))

    async def _check(self, stored: str, secret: str) -> bool:
        try:
            return await asyncio.to_thread(self._hasher.verify, stored, secret)
        except (VerificationError, InvalidHashError):
            return False
