"""Execution-environment pools: cold start, warm reuse, concurrency limits, provisioned envs.

``Registry`` (used by the HTTP layer) holds one ``FunctionPool`` per function and enforces the
account limit; a ``FunctionPool`` hands out an idle environment of the requested version or
starts a new one while the function's concurrency allows it, and otherwise raises
``ThrottledError`` with the reason Lambda would give. Environments that timed out or crashed
are discarded; provisioned environments are replaced in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from overflow_functions.local_lambda.config import FunctionConfig, LocalLambdaSettings
from overflow_functions.local_lambda.environment import (
    ExecutionEnvironment,
    InitFailedError,
    InvokeOutcome,
)
from overflow_functions.local_lambda.errors import (
    InvalidParameterValueError,
    ProvisionedConfigNotFoundError,
    ResourceConflictError,
    ResourceNotFoundError,
    ThrottledError,
)
from overflow_functions.local_lambda.metrics import ServiceMetrics
from overflow_functions.local_lambda.wire import CodeIdentity, last_modified

RESERVED_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_REASON = "ConcurrentInvocationLimitExceeded"


@dataclass
class ProvisionedConfig:
    qualifier: str
    version: str
    requested: int
    status: str = "IN_PROGRESS"
    status_reason: str | None = None
    last_modified: str = field(default_factory=last_modified)


class FunctionPool:
    """Environments of one function (all versions); one invocation per environment."""

    def __init__(
        self,
        function: FunctionConfig,
        settings: LocalLambdaSettings,
        metrics: ServiceMetrics,
        registry: Registry,
        code: CodeIdentity | None = None,
    ) -> None:
        self.function = function
        self._code = code
        self._created = last_modified()
        self.settings = settings
        self.metrics = metrics
        self.registry = registry
        self.idle: list[ExecutionEnvironment] = []
        self.busy: set[ExecutionEnvironment] = set()
        self.starting = 0
        self.provisioned: dict[str, ProvisionedConfig] = {}
        self._background: set[asyncio.Task[None]] = set()

    @property
    def code(self) -> CodeIdentity:
        """CodeSha256/CodeSize/LastModified, fixed when the function was created (computed once
        on first use for a function loaded from a directory)."""
        if self._code is None:
            found = CodeIdentity.of_directory(self.function.code_dir)
            self._code = dataclasses.replace(found, last_modified=self._created)
        return self._code

    @property
    def in_use(self) -> int:
        return len(self.busy) + self.starting

    def limit(self) -> int:
        reserved = self.function.reserved_concurrency
        return reserved if reserved is not None else self.registry.unreserved_limit()

    # ------------------------------------------------------------------ invoke
    async def invoke(
        self, version: str, payload: bytes, function_arn: str, client_context: str | None
    ) -> tuple[InvokeOutcome, bool]:
        """Run one invocation; returns the outcome and whether it was a cold start."""
        self._admit()
        env = self._take_idle(version)
        cold = env is None
        if env is None:
            self.starting += 1
            self._update_gauges()
            try:
                env = await self._start_env(version, "on-demand")
            except InitFailedError as exc:
                outcome = InvokeOutcome(
                    kind="init_error",
                    body=exc.body,
                    request_id="",
                    duration_ms=exc.init_duration_ms,
                    init_duration_ms=exc.init_duration_ms,
                    logs=exc.logs,
                )
                return outcome, True
            finally:
                self.starting -= 1
        self.busy.add(env)
        self._update_gauges()
        try:
            outcome = await env.invoke(
                payload, function_arn=function_arn, client_context=client_context
            )
        finally:
            self.busy.discard(env)
            self._return(env)
        self.metrics.env_rss.labels(self.function.name).set(env.rss_bytes())
        return outcome, cold

    def _admit(self) -> None:
        reserved = self.function.reserved_concurrency
        if reserved is not None:
            if self.in_use >= reserved:
                raise ThrottledError(RESERVED_REASON)
        elif self.registry.unreserved_in_use() >= self.registry.unreserved_limit():
            raise ThrottledError(ACCOUNT_REASON)

    def _take_idle(self, version: str) -> ExecutionEnvironment | None:
        candidates = [e for e in self.idle if e.version == version and e.alive]
        if not candidates:
            return None
        # provisioned first, then the most recently used (warmest) on-demand one
        candidates.sort(key=lambda e: (not e.provisioned, -e.last_used))
        env = candidates[0]
        self.idle.remove(env)
        return env

    def _return(self, env: ExecutionEnvironment) -> None:
        if env.alive:
            self.idle.append(env)
        else:
            self.metrics.env_discarded.labels(self.function.name).inc()
            if env.provisioned:
                self._spawn_background(self._replenish(env.version))
        self._update_gauges()

    async def _start_env(self, version: str, init_type: str) -> ExecutionEnvironment:
        await self._make_room()
        env = ExecutionEnvironment(self.function, version, self.settings, init_type=init_type)
        started = time.monotonic()
        try:
            await env.start()
        finally:
            self.metrics.cold_starts.labels(self.function.name, init_type).inc()
            self.metrics.init_seconds.labels(self.function.name).observe(time.monotonic() - started)
        return env

    async def _make_room(self) -> None:
        """Keep the pool bounded by the concurrency limit: evict idle on-demand envs."""
        bound = max(self.limit(), sum(p.requested for p in self.provisioned.values()), 1)
        while len(self.idle) + self.in_use >= bound + 1:
            victims = [e for e in self.idle if not e.provisioned] or list(self.idle)
            if not victims:
                return
            victim = min(victims, key=lambda e: e.last_used)
            self.idle.remove(victim)
            await victim.kill()

    # ------------------------------------------------------ provisioned config
    def put_provisioned(self, qualifier: str, count: int) -> ProvisionedConfig:
        version = self.function.resolve(qualifier)
        if qualifier in ("", "$LATEST") or version is None or version == "$LATEST":
            raise InvalidParameterValueError(
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions or unknown qualifiers."
            )
        reserved = self.function.reserved_concurrency
        if reserved is not None and count > reserved:
            raise InvalidParameterValueError(
                f"Requested Provisioned Concurrency ({count}) exceeds the function's reserved "
                f"concurrency ({reserved})."
            )
        config = ProvisionedConfig(qualifier=qualifier, version=version, requested=count)
        self.provisioned[qualifier] = config
        self._spawn_background(self._apply_provisioned(config))
        return config

    def get_provisioned(self, qualifier: str) -> ProvisionedConfig:
        if qualifier not in self.provisioned:
            raise ProvisionedConfigNotFoundError(
                f"No Provisioned Concurrency Config found for this function: "
                f"{self.registry.arn(self.function.name, qualifier)}"
            )
        return self.provisioned[qualifier]

    async def delete_provisioned(self, qualifier: str) -> None:
        config = self.get_provisioned(qualifier)
        del self.provisioned[qualifier]
        for env in [e for e in self.idle if e.provisioned and e.version == config.version]:
            self.idle.remove(env)
            await env.kill()
        for env in self.busy:
            if env.provisioned and env.version == config.version:
                env.provisioned = False
        self._update_gauges()

    def allocated(self, config: ProvisionedConfig) -> int:
        envs = [*self.idle, *self.busy]
        return sum(1 for e in envs if e.provisioned and e.version == config.version and e.alive)

    async def _apply_provisioned(self, config: ProvisionedConfig) -> None:
        current = [e for e in self.idle if e.provisioned and e.version == config.version]
        for env in current[config.requested :]:
            self.idle.remove(env)
            await env.kill()
        await self._replenish(config.version)

    async def _replenish(self, version: str) -> None:
        configs = [c for c in self.provisioned.values() if c.version == version]
        if not configs:
            return
        config = configs[0]
        while self.provisioned.get(config.qualifier) is config:
            if self.allocated(config) >= config.requested:
                config.status = "READY"
                break
            try:
                env = await self._start_env(version, "provisioned-concurrency")
            except InitFailedError as exc:
                config.status = "FAILED"
                config.status_reason = exc.body.decode(errors="replace")[:500]
                break
            if self.provisioned.get(config.qualifier) is not config:
                await env.kill()
                break
            self.idle.append(env)
            self._update_gauges()
        config.last_modified = last_modified()

    # ----------------------------------------------------------------- misc
    def _spawn_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _update_gauges(self) -> None:
        name = self.function.name
        self.metrics.environments.labels(name, "idle").set(len(self.idle))
        self.metrics.environments.labels(name, "busy").set(len(self.busy))
        self.metrics.environments.labels(name, "starting").set(self.starting)

    async def reap_idle(self, now: float) -> None:
        for env in list(self.idle):
            stale = now - env.last_used > self.settings.idle_timeout
            if (not env.provisioned and stale) or not env.alive:
                self.idle.remove(env)
                await env.kill()
        self._update_gauges()

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        for env in [*self.idle, *self.busy]:
            await env.kill()
        self.idle.clear()


class Registry:
    """All functions of the service, the account concurrency limit and ARNs."""

    def __init__(self, settings: LocalLambdaSettings, metrics: ServiceMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.pools: dict[str, FunctionPool] = {}

    def add(self, function: FunctionConfig, code: CodeIdentity | None = None) -> FunctionPool:
        if function.name in self.pools:
            raise ResourceConflictError(f"Function already exist: {function.name}")
        pool = FunctionPool(function, self.settings, self.metrics, self, code)
        self.pools[function.name] = pool
        return pool

    def get(self, name: str) -> FunctionPool:
        pool = self.pools.get(name)
        if pool is None:
            raise ResourceNotFoundError(f"Function not found: {self.arn(name)}")
        return pool

    def arn(self, name: str, qualifier: str | None = None) -> str:
        base = f"arn:aws:lambda:{self.settings.region}:{self.settings.account_id}:function:{name}"
        return f"{base}:{qualifier}" if qualifier else base

    def total_reserved(self, excluding: str | None = None) -> int:
        return sum(
            p.function.reserved_concurrency or 0
            for name, p in self.pools.items()
            if name != excluding
        )

    def unreserved_limit(self) -> int:
        return max(0, self.settings.account_concurrency - self.total_reserved())

    def unreserved_in_use(self) -> int:
        return sum(p.in_use for p in self.pools.values() if p.function.reserved_concurrency is None)

    def set_reserved(self, name: str, value: int | None) -> None:
        pool = self.get(name)
        if value is not None:
            left = self.settings.account_concurrency - self.total_reserved(excluding=name) - value
            if left < self.settings.min_unreserved_concurrency:
                raise InvalidParameterValueError(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of "
                    f"[{self.settings.min_unreserved_concurrency}]."
                )
        pool.function = pool.function.model_copy(update={"reserved_concurrency": value})

    async def reap_forever(self, interval: float = 5.0) -> None:
        while True:
            await asyncio.sleep(interval)
            for pool in list(self.pools.values()):
                with contextlib.suppress(Exception):
                    await pool.reap_idle(time.monotonic())

    async def close(self) -> None:
        for pool in self.pools.values():
            await pool.close()
