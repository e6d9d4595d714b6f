"""``python -m assessment_engine.worker``: the grader worker without the whole-stack CLI.

The operator's local mode starts workers this way (``OperatorSettings.worker_command``), so it
names a command of the exam core rather than of the whole-stack tools that sit above it.
"""

from __future__ import annotations

import typer

from assessment_engine.worker.cli import worker


def main() -> None:
    typer.run(worker)


if __name__ == "__main__":
    main()
