"""Errors of the grading function, named by what the dispatcher should do next.

    GradingFunctionError        base
    └── BatchTooLargeError      more items than ``max_batch_size``: the whole invoke fails
                                (``FunctionError: Unhandled``); the dispatcher hands the batch
                                back to the cluster and should send smaller batches

Everything wrong with one item (bad shape, missing question, an invalid response, a sandbox
failure) is not raised out of the handler: it becomes that item's ``failures`` entry
(``error_type`` = the exception's class name) and the dispatcher hands that submission back.
Only a batch that is not a batch at all, or is too large, fails the invocation.
"""

from __future__ import annotations


class GradingFunctionError(Exception):
    """Base class."""


class BatchTooLargeError(GradingFunctionError, ValueError):
    """The batch holds more items than this function accepts (``max_batch_size``)."""
