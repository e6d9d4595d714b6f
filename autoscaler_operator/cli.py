"""CLI commands of this component (filled in by the component's owner)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""
