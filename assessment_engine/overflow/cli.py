"""The ``assessment-engine dispatcher`` command: the overflow dispatcher of one grading queue.

Registered by ``exam_stack/cli.py``; heavy imports happen inside the command body.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""
    app.command("dispatcher")(dispatcher)


def dispatcher(
    redis_url: Annotated[str | None, typer.Option(help="Redis URL.")] = None,
    lambda_endpoint_url: Annotated[
        str | None, typer.Option(help="Lambda endpoint (unset in AWS).")
    ] = None,
    queue: Annotated[str | None, typer.Option(help="Decision-record queue name.")] = None,
    dispatcher_id: Annotated[str | None, typer.Option(help="Consumer is dispatcher-<id>.")] = None,
    function_timeout_s: Annotated[
        float | None, typer.Option(help="The function's Timeout (read timeout is above it).")
    ] = None,
    function_memory_mb: Annotated[int | None, typer.Option(help="For the cost estimate.")] = None,
    on_missing: Annotated[
        str | None, typer.Option(help="No decision record: hold|cluster|overflow.")
    ] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Serve /metrics on this port.")] = None,
) -> None:
    """Spill queued grading work to Lambda while the operator's decision says overflow."""
    import asyncio
    import logging
    import signal

    import redis.asyncio as aioredis
    from prometheus_client import CollectorRegistry, start_http_server

    from assessment_engine.overflow.dispatcher import Dispatcher
    from assessment_engine.overflow.settings import DispatcherSettings

    overrides: dict[str, Any] = {
        "redis_url": redis_url,
        "lambda_endpoint_url": lambda_endpoint_url,
        "queue": queue,
        "dispatcher_id": dispatcher_id,
        "function_timeout_s": function_timeout_s,
        "function_memory_mb": function_memory_mb,
        "on_missing": on_missing,
        "metrics_port": metrics_port,
    }
    settings = DispatcherSettings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    registry = CollectorRegistry()
    if settings.metrics_port is not None:
        start_http_server(settings.metrics_port, addr="0.0.0.0", registry=registry)  # noqa: S104

    async def main() -> None:
        redis = aioredis.Redis.from_url(settings.redis_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await Dispatcher(settings, redis, registry).run(stop)
        finally:
            await redis.aclose()

    asyncio.run(main())
