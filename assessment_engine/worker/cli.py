"""The ``assessment-engine worker`` command: a grader worker on the grading queue."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""
    app.command("worker")(worker)


def worker(
    redis_url: Annotated[str | None, typer.Option(help="Redis URL.")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Grading slots.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Serve /metrics on this port.")] = None,
    worker_id: Annotated[str | None, typer.Option(help="Consumer name in the group.")] = None,
    lease_ms: Annotated[int | None, typer.Option(help="Lease (ms).")] = None,
    max_deliveries: Annotated[int | None, typer.Option(help="Dead-letter after this many.")] = None,
) -> None:
    """Grade submissions from the grading queue until SIGTERM (in-flight work is finished)."""
    import asyncio
    import logging

    from prometheus_client import CollectorRegistry, start_http_server

    from assessment_engine.worker.runner import serve
    from assessment_engine.worker.settings import WorkerSettings

    overrides: dict[str, Any] = {
        "redis_url": redis_url,
        "concurrency": concurrency,
        "metrics_port": metrics_port,
        "worker_id": worker_id,
        "lease_ms": lease_ms,
        "max_deliveries": max_deliveries,
    }
    settings = WorkerSettings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    registry = CollectorRegistry()
    if settings.metrics_port is not None:
        start_http_server(settings.metrics_port, addr="0.0.0.0", registry=registry)  # noqa: S104
    asyncio.run(serve(settings, registry))
