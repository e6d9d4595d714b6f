"""Errors raised by the sandbox runner, named by what the caller should do next.

    SandboxError                  base; never raised itself
    ├── SandboxUnavailableError   the sandbox could not start (missing interpreter, isolation
    │                             layer requested but refused by the host): fix the deployment
    └── SandboxCrashedError       the zygote died or broke protocol during a run: the run's
                                  verdict is unknown; retrying on a fresh zygote is safe

A student's program misbehaving is never an error here: it is a ``RunResult`` outcome.
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base class for sandbox errors."""


class SandboxUnavailableError(SandboxError):
    """No sandbox process could be started with the requested isolation."""


class SandboxCrashedError(SandboxError):
    """The sandbox machinery (not the student's program) failed during a run."""
