"""CLI commands of the API component: ``assessment-engine serve``."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""

    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Bind address (ASSESSMENT_HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (ASSESSMENT_PORT).")] = None,
        workers: Annotated[
            int | None,
            typer.Option(
                min=1, max=64, help="API processes sharing the port (ASSESSMENT_WORKERS)."
            ),
        ] = None,
    ) -> None:
        """Run the assessment API (settings from ASSESSMENT_* environment variables).

        With several workers, each process builds the app from the environment; a development
        issuer then needs one key for all of them, so a random ASSESSMENT_DEV_ISSUER_SECRET is
        set for the workers unless one is configured.
        """
        import os
        import secrets

        import uvicorn

        from assessment_engine.api.app import create_app
        from assessment_engine.api.settings import ApiSettings

        settings = ApiSettings()
        count = workers if workers is not None else settings.workers
        bind = {
            "host": host or settings.host,
            "port": port if port is not None else settings.port,
            "log_level": "info",
        }
        if count == 1:
            uvicorn.run(create_app(settings), **bind)  # type: ignore[arg-type]
            return
        if settings.dev_issuer and settings.dev_issuer_secret is None:
            os.environ["ASSESSMENT_DEV_ISSUER_SECRET"] = secrets.token_hex(32)
        uvicorn.run(
            "assessment_engine.api.app:create_app",
            factory=True,
            workers=count,
            **bind,  # type: ignore[arg-type]
        )
