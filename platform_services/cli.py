"""CLI commands of the platform services, registered on the ``assessment-engine`` Typer app.

``identity``, ``notifications``, ``analytics`` and ``web`` run each service with uvicorn
(settings from ``PLATFORM_IDENTITY_*``, ``PLATFORM_NOTIFY_*``, ``PLATFORM_ANALYTICS_*``,
``PLATFORM_WEB_*``);
``identity-bootstrap-admin`` and ``identity-rotate-key`` act on the identity store directly.
Heavy imports stay inside the command bodies.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

Host = Annotated[str, typer.Option(help="Interface to bind.")]
Port = Annotated[int, typer.Option(help="TCP port.")]


def _serve(factory: str, host: str, port: int, log_level: str) -> None:
    import uvicorn

    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""

    @app.command("identity")
    def identity(host: Host = "127.0.0.1", port: Port = 8010, log_level: str = "info") -> None:
        """Run the identity service (login, tokens, JWKS, rosters)."""
        _serve("platform_services.identity.app:create_app", host, port, log_level)

    @app.command("notifications")
    def notifications(host: Host = "127.0.0.1", port: Port = 8011, log_level: str = "info") -> None:
        """Run the notifications service (SSE for students and proctors)."""
        _serve("platform_services.notifications.app:create_app", host, port, log_level)

    @app.command("analytics")
    def analytics(host: Host = "127.0.0.1", port: Port = 8012, log_level: str = "info") -> None:
        """Run the analytics service (item analysis after an exam)."""
        _serve("platform_services.analytics.app:create_app", host, port, log_level)

    @app.command("web")
    def web(host: Host = "127.0.0.1", port: Port = 8013, log_level: str = "info") -> None:
        """Serve the student exam page (/) and the proctor console (/proctor/)."""
        _serve("platform_services.web.app:create_app", host, port, log_level)

    @app.command("identity-bootstrap-admin")
    def bootstrap_admin(
        username: Annotated[str, typer.Option()],
        password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
        org: Annotated[str, typer.Option()] = "platform",
    ) -> None:
        """Create the first admin account if it does not exist."""
        from platform_services.identity.admin import bootstrap_admin as run

        created = asyncio.run(run(username, password, org))
        typer.echo("created" if created else "exists already")

    @app.command("identity-rotate-key")
    def rotate_key() -> None:
        """Make a new signing key; old keys stay in the JWKS until their tokens expired."""
        from platform_services.identity.admin import rotate_key as run

        typer.echo(asyncio.run(run()))
