"""The Invoke API: ``POST /2015-03-31/functions/{name}/invocations`` (and legacy invoke-async).

Registered by ``server.build_app``. Parses the request, asks the ``Registry``'s pool to run the
invocation, and maps the outcome to Lambda's response: 200 with ``X-Amz-Function-Error`` /
``X-Amz-Log-Result`` / ``X-Amz-Executed-Version`` for RequestResponse, 202 for Event (queued,
retried twice on error like Lambda's async invoke), 204 for DryRun.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from dataclasses import dataclass

from aiohttp import web

from overflow_functions.local_lambda.errors import (
    InvalidParameterValueError,
    InvalidRequestContentError,
    LocalLambdaError,
    RequestTooLargeError,
    ResourceNotFoundError,
    ThrottledError,
)
from overflow_functions.local_lambda.pool import FunctionPool, Registry
from overflow_functions.local_lambda.wire import error_response, request_id_headers
from overflow_functions.local_lambda.wire import split_function_name as split

log = logging.getLogger(__name__)

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


@dataclass
class _Target:
    pool: FunctionPool
    version: str
    arn: str


def _resolve(registry: Registry, raw_name: str, qualifier: str | None) -> _Target:
    name, qualifier = split(raw_name, qualifier)
    pool = registry.get(name)
    version = pool.function.resolve(qualifier)
    if version is None:
        raise ResourceNotFoundError(f"Function not found: {registry.arn(name, qualifier)}")
    return _Target(pool, version, registry.arn(name, qualifier))


def _parse_payload(body: bytes) -> bytes:
    if not body.strip():
        return b"{}"
    try:
        json.loads(body)
    except ValueError as exc:
        raise InvalidRequestContentError("Could not parse request body into json") from exc
    return body


def _too_large(size: int | None, invocation_type: str, limit: int) -> RequestTooLargeError:
    """Lambda's own wording, e.g. ``6291457 byte payload is too large for the RequestResponse
    invocation type (limit 6291456 bytes)``."""
    return RequestTooLargeError(
        f"{size if size is not None else 'Oversized'} byte payload is too large for the "
        f"{invocation_type} invocation type (limit {limit} bytes)"
    )


async def _read_body(request: web.Request, invocation_type: str, limit: int) -> bytes:
    """The body, or RequestEntityTooLargeException above ``limit`` (also when the body exceeds
    the HTTP server's own read bound and aiohttp stops reading it)."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise _too_large(request.content_length, invocation_type, limit) from exc
    if len(body) > limit:
        raise _too_large(len(body), invocation_type, limit)
    return body


def _client_context(header: str | None) -> str | None:
    if not header:
        return None
    try:
        return base64.b64decode(header, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequestContentError("Client context must be a valid Base64") from exc


class InvokeApi:
    """aiohttp handlers for the data plane; the async (Event) queue lives here too."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.metrics = registry.metrics
        self._event_tasks: set[asyncio.Task[None]] = set()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/2015-03-31/functions/{name}/invocations", self.invoke),
            web.post("/2014-11-13/functions/{name}/invoke-async/", self.invoke_async),
            web.post("/2014-11-13/functions/{name}/invoke-async", self.invoke_async),
        ]

    async def invoke(self, request: web.Request) -> web.Response:
        try:
            return await self._invoke(request)
        except LocalLambdaError as exc:
            if isinstance(exc, ThrottledError):
                name, _ = split(request.match_info["name"], None)
                self.metrics.throttles.labels(name, exc.reason).inc()
            return error_response(exc)
        except (asyncio.CancelledError, web.HTTPException):
            raise
        except Exception:  # the service itself failed: Lambda's ServiceException, never a 5xx page
            log.exception("invoke failed inside the local Lambda service")
            return error_response(LocalLambdaError("The service failed to run the invocation."))

    async def _invoke(self, request: web.Request) -> web.Response:
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type not in INVOCATION_TYPES:
            raise InvalidParameterValueError(f"Unsupported InvocationType: {invocation_type}")
        target = _resolve(self.registry, request.match_info["name"], request.query.get("Qualifier"))
        settings = self.registry.settings
        limit = settings.sync_payload_limit
        if invocation_type == "Event":
            limit = settings.async_payload_limit
        body = await _read_body(request, invocation_type, limit)
        payload = _parse_payload(body)
        if invocation_type == "DryRun":
            return web.Response(status=204, headers=request_id_headers())
        if invocation_type == "Event":
            self._queue_event(target, payload)
            return web.Response(status=202, headers=request_id_headers())
        context = _client_context(request.headers.get("X-Amz-Client-Context"))
        outcome, _cold = await target.pool.invoke(target.version, payload, target.arn, context)
        name = target.pool.function.name
        self.metrics.invocations.labels(name, outcome.kind).inc()
        self.metrics.duration.labels(name).observe(outcome.duration_ms / 1000)
        headers = {**request_id_headers(), "X-Amz-Executed-Version": target.version}
        if outcome.function_error:
            headers["X-Amz-Function-Error"] = outcome.function_error
        if request.headers.get("X-Amz-Log-Type") == "Tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(outcome.log_tail().encode()).decode()
        return web.Response(
            status=200, body=outcome.body, content_type="application/json", headers=headers
        )

    async def invoke_async(self, request: web.Request) -> web.Response:
        try:
            target = _resolve(self.registry, request.match_info["name"], None)
            limit = self.registry.settings.invoke_async_payload_limit
            payload = _parse_payload(await _read_body(request, "Event", limit))
        except LocalLambdaError as exc:
            return error_response(exc)
        self._queue_event(target, payload)
        return web.json_response({"Status": 202}, status=202, headers=request_id_headers())

    # ------------------------------------------------------------ async path
    def _queue_event(self, target: _Target, payload: bytes) -> None:
        task = asyncio.create_task(self._run_event(target, payload))
        self._event_tasks.add(task)
        task.add_done_callback(self._event_tasks.discard)

    async def _run_event(self, target: _Target, payload: bytes) -> None:
        """Async invoke: wait for capacity (never 429), retry errors like Lambda (max 2)."""
        settings = self.registry.settings
        name = target.pool.function.name
        for attempt in range(settings.event_max_retries + 1):
            while True:
                try:
                    outcome, _ = await target.pool.invoke(target.version, payload, target.arn, None)
                    break
                except ThrottledError as exc:
                    self.metrics.throttles.labels(name, exc.reason).inc()
                    await asyncio.sleep(0.1)
            self.metrics.invocations.labels(name, outcome.kind).inc()
            if outcome.kind == "ok":
                return
            log.warning(
                "async invoke of %s failed (attempt %d): %s", name, attempt + 1, outcome.body[:200]
            )
            await asyncio.sleep(settings.event_retry_delay * (attempt + 1))

    async def close(self) -> None:
        for task in list(self._event_tasks):
            task.cancel()
