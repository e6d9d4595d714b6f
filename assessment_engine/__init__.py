"""The exam platform's product core: question model, pure grading, authoring import, the
assessment API, Redis storage and queue, grader workers, the overflow dispatcher and the CLI."""

__version__ = "0.1.0"
