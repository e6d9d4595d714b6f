"""Errors of the notifications service.

    PlatformError (platform_services.common.errors)
    └── NotificationsError
        ├── ExamNotFoundError      404: no such exam to monitor
        ├── NotAllowedError        403: not the exam's owner / not a student token / not on the
        │                               exam's roster
        ├── StreamGoneError        404: the beat names a stream that closed or expired; reconnect
        │                               the stream (a new connection id comes with it)
        ├── TooManyStreamsError    503: this replica holds ``max_streams`` already; retry elsewhere
        └── PresenceUnavailableError 503: the presence store (Redis) failed; retry

Token errors come from ``platform_services.identity.errors`` (401/403/503).
"""

from __future__ import annotations

from platform_services.common.errors import PlatformError


class NotificationsError(PlatformError):
    code = "notifications_error"


class ExamNotFoundError(NotificationsError):
    code = "exam_not_found"


class NotAllowedError(NotificationsError):
    code = "forbidden"


class TooManyStreamsError(NotificationsError):
    code = "too_many_streams"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


class StreamGoneError(NotificationsError):
    code = "stream_gone"


class PresenceUnavailableError(NotificationsError):
    code = "presence_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}
