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
    ) -> None:
        """Run the assessment API (settings from ASSESSMENT_* environment variables)."""
        import uvicorn

        from assessment_engine.api.app import create_app
        from assessment_engine.api.settings import ApiSettings

        settings = ApiSettings()
        uvicorn.run(
            create_app(settings),
            host=host or settings.host,
            port=port if port is not None else settings.port,
            log_level="info",
        )
