"""A transparent HTTP relay between the operator and the real kube-apiserver, for the 410 test.

It forwards every request unchanged (method, path, query, body, the operator's bearer token) and
streams every answer back, so the operator still talks to the real server with its own RBAC.
The only thing it can do is what a slow network or a long pause of the client does: hold the
next watch request of one resource (``hold_watches``) until ``release_watches``, and end the
watch streams that are open (``cut_watches``). It records whether the server answered a watch
with ``410 Gone`` (``saw_gone``). Nothing is ever answered by the relay itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from exam_stack.localstack.ports import free_port

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}


@dataclass
class Relay:
    upstream: str
    ca_file: str
    port: int = field(default_factory=free_port)
    held_resource: str | None = None
    held: int = 0
    saw_gone: bool = False
    _gate: asyncio.Event = field(default_factory=asyncio.Event)
    _streams: set[aiohttp.ClientResponse] = field(default_factory=set)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold_watches(self, resource: str) -> None:
        self.held_resource = resource
        self._gate.clear()

    def release_watches(self) -> None:
        self.held_resource = None
        self._gate.set()

    async def cut_watches(self) -> None:
        for upstream in list(self._streams):
            upstream.close()

    async def start(self) -> Relay:
        self._gate.set()
        context = ssl.create_default_context(cafile=self.ca_file)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context), auto_decompress=False
        )
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        await self.cut_watches()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        watch = request.query.get("watch") in ("true", "1")
        if watch and self.held_resource and request.path.endswith(f"/{self.held_resource}"):
            self.held += 1
            await self._gate.wait()
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        body = await request.read()
        async with self._session.request(
            request.method, f"{self.upstream}{request.rel_url}", headers=headers, data=body or None,
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        ) as upstream:  # fmt: skip
            response = web.StreamResponse(status=upstream.status)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_HEADERS:
                    response.headers[key] = value
            await response.prepare(request)
            if watch:
                self._streams.add(upstream)
            try:
                async for chunk in upstream.content.iter_any():
                    if watch and b'"code":410' in chunk:
                        self.saw_gone = True
                    await response.write(chunk)
            except (aiohttp.ClientError, ConnectionError):
                pass  # cut: the client sees its stream end, as when a server closes it
            finally:
                self._streams.discard(upstream)
            # the operator may already have closed its end (it stopped or reconnected)
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await response.write_eof()
            return response
