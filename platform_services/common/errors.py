"""Base of every platform-service error; each service's ``errors.py`` draws its own tree under it.

    PlatformError                 code, message, details; ``headers()`` for e.g. Retry-After
    └── (identity | notifications | analytics).errors.*

Edges translate these with ``platform_services.common.http.install_error_handlers``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class PlatformError(Exception):
    """A failure the caller can act on; ``code`` is the stable name in the error body."""

    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = details or {}

    def headers(self) -> dict[str, str]:
        return {}
