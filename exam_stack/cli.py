"""The ``assessment-engine`` command: one Typer app, each component registers its commands.

Components own their commands in their own ``cli.py`` (a ``register(app)`` function) and import
heavy dependencies inside the command bodies, so ``assessment-engine grade`` starts fast.
"""

from __future__ import annotations

import typer

from assessment_engine.api import cli as api_cli
from assessment_engine.authoring import cli as authoring_cli
from assessment_engine.overflow import cli as overflow_cli
from assessment_engine.worker import cli as worker_cli
from autoscaler_operator import cli as operator_cli
from exam_stack.simulation import cli as simulation_cli
from exam_stack.surge import cli as surge_cli
from overflow_functions import cli as lambda_cli
from platform_services import cli as platform_cli

app = typer.Typer(
    name="assessment-engine",
    help="Exam platform: grading, authoring import, API, workers, overflow to Lambda, operator.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Exam platform: grading, authoring import, API, workers, overflow to Lambda, operator."""


for component in (
    authoring_cli,
    api_cli,
    worker_cli,
    overflow_cli,
    lambda_cli,
    operator_cli,
    platform_cli,
    surge_cli,
    simulation_cli,
):
    component.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
