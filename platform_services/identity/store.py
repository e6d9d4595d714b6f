"""Redis storage of users and service accounts (identity-owned keys under ``identity:``).

Called by ``identity.service``. Usernames are unique platform-wide (lowercased): the
``identity:username:<name>`` key is claimed with SET NX before the user record is written.
"""

from __future__ import annotations

from redis.asyncio import Redis

from platform_services.identity.errors import ConflictError
from platform_services.identity.models import ServiceAccount, User


def _user_key(user_id: str) -> str:
    return f"identity:user:{user_id}"


def _username_key(username: str) -> str:
    return f"identity:username:{username.lower()}"


def _client_key(client_id: str) -> str:
    return f"identity:client:{client_id}"


class UserStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def create(self, user: User) -> None:
        """Store a new user; ``ConflictError`` if the username is taken."""
        claimed = await self._redis.set(_username_key(user.username), user.user_id, nx=True)
        if not claimed:
            raise ConflictError("the username exists already", {"username": user.username})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_user_key(user.user_id), user.model_dump_json())
            pipe.sadd(f"identity:org:{user.org}:users", user.user_id)
            await pipe.execute()

    async def save(self, user: User) -> None:
        await self._redis.set(_user_key(user.user_id), user.model_dump_json())

    async def get(self, user_id: str) -> User | None:
        raw = await self._redis.get(_user_key(user_id))
        return None if raw is None else User.model_validate_json(raw)

    async def by_username(self, username: str) -> User | None:
        user_id = await self._redis.get(_username_key(username))
        if user_id is None:
            return None
        return await self.get(user_id.decode() if isinstance(user_id, bytes) else user_id)

    async def create_service_account(self, account: ServiceAccount) -> None:
        created = await self._redis.set(
            _client_key(account.client_id), account.model_dump_json(), nx=True
        )
        if not created:
            raise ConflictError("the client id exists already", {"client_id": account.client_id})

    async def service_account(self, client_id: str) -> ServiceAccount | None:
        raw = await self._redis.get(_client_key(client_id))
        return None if raw is None else ServiceAccount.model_validate_json(raw)
