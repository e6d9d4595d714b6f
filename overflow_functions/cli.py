"""CLI commands of the overflow functions: ``assessment-engine local-lambda``.

Registered into the ``assessment-engine`` Typer app by ``exam_stack/cli.py``; heavy
imports (aiohttp, the service) happen inside the command body.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""

    @app.command("local-lambda")
    def local_lambda(
        config: Annotated[Path, typer.Option(help="functions.yaml (list of functions).")],
        port: Annotated[int, typer.Option(help="Port of the Invoke/control-plane API.")] = 9001,
        host: Annotated[str, typer.Option()] = "127.0.0.1",
        account_concurrency: Annotated[
            int | None,
            typer.Option(help="Account limit (default: LOCAL_LAMBDA_ACCOUNT_CONCURRENCY or 10)."),
        ] = None,
        echo_logs: Annotated[bool, typer.Option(help="Copy function logs to stderr.")] = True,
    ) -> None:
        """Run the local Lambda service (Invoke, Runtime and control-plane APIs)."""
        import asyncio

        from overflow_functions.local_lambda.config import LocalLambdaSettings, load_functions
        from overflow_functions.local_lambda.server import LocalLambdaService

        # Only flags given on the command line override the LOCAL_LAMBDA_* environment.
        overrides: dict[str, object] = {"host": host, "port": port, "echo_logs": echo_logs}
        if account_concurrency is not None:
            overrides["account_concurrency"] = account_concurrency
        settings = LocalLambdaSettings(**overrides)  # type: ignore[arg-type]
        service = LocalLambdaService(settings, load_functions(config))
        typer.echo(
            f"local Lambda service on http://{host}:{port} with functions "
            f"{sorted(service.registry.pools)}; use --endpoint-url / endpoint_url",
            err=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(service.serve_forever())
