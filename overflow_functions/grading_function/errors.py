"""Errors of the grading function, named by what the dispatcher should do next.

    GradingFunctionError        base
    └── ItemRejectedError       one item is malformed (bad shape, missing question): its job
                                should be failed (dead-lettered after retries), not re-spilled

Per-item errors become ``failures`` entries in the response (``error_type`` = class name);
only a batch that is not a batch at all fails the invocation (``FunctionError: Unhandled``).
"""

from __future__ import annotations


class GradingFunctionError(Exception):
    """Base class."""


class ItemRejectedError(GradingFunctionError, ValueError):
    """The item cannot be graded as sent (schema or consistency problem)."""
