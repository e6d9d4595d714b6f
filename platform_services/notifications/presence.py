"""Presence of students on an exam, as proctors see it (pure): the two SSE payloads and the rule.

Called by ``notifications.tracker`` (which reads the raw state from ``presence_store``) and by
the streams. A student is

* **online** while at least one of their exam streams is registered and unexpired (the stream is
  open on some replica and its page beat within ``ttl_seconds``);
* **reconnecting** for ``grace_seconds`` after their last stream was lost (closed by the client
  or the network, or expired because its beats stopped): the page retries by itself;
* **offline** after that. Students never seen are not listed; the console knows its roster and
  shows them offline.

``PresenceView`` is the ``data`` of the proctor's ``event: presence`` and ``ConnectionView`` that
of the student's ``event: connection`` (docs/platform-services.md, Presence). Members of the
store's stream set are ``<student_id>|<connection_id>``; connection ids are 32 hex digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

SEPARATOR = "|"


class ConnectionView(BaseModel):
    """Sent to a student as the first event of an exam stream: how to keep it counted online."""

    exam_id: str
    connection_id: str = Field(description="Name this stream in every beat.")
    beat_seconds: float = Field(description="Send `POST /v1/students/me/presence` this often.")
    beat_path: str = "/v1/students/me/presence"


class PresenceView(BaseModel):
    """Who of an exam's students holds an open stream now, from the shared store."""

    exam_id: str
    at: datetime = Field(description="Redis server time of the read (UTC).")
    online: list[str] = Field(description="Students with at least one live stream, sorted.")
    reconnecting: list[str] = Field(description="Lost within `grace_seconds`, not online again.")
    lost_at: dict[str, datetime] = Field(
        description="For each student seen before but not online: when the last stream was lost."
    )
    grace_seconds: float
    ttl_seconds: float

    def signature(self) -> dict[str, Any]:
        """The payload without its read time: two equal signatures need not be sent twice."""
        return self.model_dump(mode="json", exclude={"at"})


def member(student_id: str, connection_id: str) -> str:
    return f"{student_id}{SEPARATOR}{connection_id}"


def student_of(entry: str) -> str:
    """The student of a ``<student_id>|<connection_id>`` member (ids may contain ``|``)."""
    return entry.rpartition(SEPARATOR)[0]


def _instant(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def classify(
    exam_id: str,
    now_ms: float,
    live: Iterable[str],
    lost_ms: Mapping[str, float],
    *,
    grace_seconds: float,
    ttl_seconds: float,
) -> PresenceView:
    """The presence view from the store's state at ``now_ms``: live members and loss times."""
    online = sorted({student_of(entry) for entry in live})
    online_set = set(online)
    gone = {student: ms for student, ms in lost_ms.items() if student not in online_set}
    reconnecting = sorted(s for s, ms in gone.items() if now_ms - ms < grace_seconds * 1000)
    return PresenceView(
        exam_id=exam_id,
        at=_instant(now_ms),
        online=online,
        reconnecting=reconnecting,
        lost_at={student: _instant(ms) for student, ms in sorted(gone.items())},
        grace_seconds=grace_seconds,
        ttl_seconds=ttl_seconds,
    )
