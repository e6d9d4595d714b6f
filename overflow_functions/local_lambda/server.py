"""Assembles the local Lambda service: Invoke API, control plane, ``/metrics``; runs it.

``LocalLambdaService`` is used by the CLI (``serve``) and by tests/benchmarks (``start`` /
``stop`` on their own event loop, or ``ServiceThread`` to run it beside synchronous boto3 code).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from overflow_functions.local_lambda.config import (
    MAX_REQUEST_BYTES,
    FunctionConfig,
    LocalLambdaSettings,
)
from overflow_functions.local_lambda.control_plane import ControlPlane
from overflow_functions.local_lambda.invoke_api import InvokeApi
from overflow_functions.local_lambda.metrics import ServiceMetrics
from overflow_functions.local_lambda.pool import Registry

T = TypeVar("T")


class LocalLambdaService:
    def __init__(
        self,
        settings: LocalLambdaSettings,
        functions: Sequence[FunctionConfig] = (),
        workdir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = ServiceMetrics()
        self.registry = Registry(settings, self.metrics)
        for function in functions:
            self.registry.add(function)
        self.invoke_api = InvokeApi(self.registry)
        self.control_plane = ControlPlane(self.registry, workdir)
        self.app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        self.app.add_routes(self.invoke_api.routes())
        self.app.add_routes(self.control_plane.routes())
        self.app.router.add_get("/metrics", self._metrics)
        self.app.router.add_get("/health", self._health)
        self._runner: web.AppRunner | None = None
        self._reaper: asyncio.Task[None] | None = None
        self.port = settings.port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "functions": sorted(self.registry.pools)})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self._reaper = asyncio.create_task(self.registry.reap_forever())

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        await self.invoke_api.close()
        await self.registry.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()


class ServiceThread:
    """Runs a ``LocalLambdaService`` on its own event loop in a daemon thread."""

    def __init__(self, service: LocalLambdaService) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> ServiceThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.service.start(), self.loop).result(timeout=30)
        return self

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.service.stop(), timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()
