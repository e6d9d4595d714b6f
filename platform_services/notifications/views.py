"""What each audience may see of a domain event (pure); called by the hub and the streams.

* **students** get their own ``attempt.*`` and ``submission.accepted`` events (``student_id`` is
  theirs) and ``results.released`` of exams they took, stripped to when/how it was released
  (never other students' ids). ``submission.graded`` is not shown: scores are visible only once
  released, through the assessment API.
* **proctors** get every ``attempt.*``, ``submission.*``, ``exam.closed`` and
  ``results.released`` event of the monitored exam; graded events lose their per-question list.
"""

from __future__ import annotations

from typing import Any

from assessment_engine.storage.events import DomainEvent

STUDENT_OWN_TYPES = frozenset(
    {
        "attempt.started",
        "attempt.paused",
        "attempt.resumed",
        "attempt.extended",
        "attempt.terminated",
        "attempt.submitted",
        "attempt.accommodation_changed",
        "submission.accepted",
    }
)
PROCTOR_TYPES = STUDENT_OWN_TYPES | {"submission.graded", "exam.closed", "results.released"}
RELEASE_FIELDS = ("released_at", "release_policy", "trigger")


def student_candidate(event: DomainEvent, student_id: str) -> bool:
    """Cheap filter at fan-out; ``results.released`` still needs a participation check."""
    if event.type == "results.released":
        return True
    return event.type in STUDENT_OWN_TYPES and event.data.get("student_id") == student_id


def released_to(event: DomainEvent, student_id: str) -> bool | None:
    """True/False if the event names its students; None if participation must be looked up."""
    names = event.data.get("student_ids")
    if isinstance(names, list):
        return student_id in names
    return None


def student_payload(event: DomainEvent) -> dict[str, Any]:
    data = event.data
    if event.type == "results.released":
        data = {key: event.data[key] for key in RELEASE_FIELDS if key in event.data}
    return _payload(event, data)


def proctor_candidate(event: DomainEvent, exam_id: str) -> bool:
    return event.exam_id == exam_id and event.type in PROCTOR_TYPES


def proctor_payload(event: DomainEvent) -> dict[str, Any]:
    data = event.data
    if event.type == "submission.graded":
        data = {key: value for key, value in data.items() if key != "questions"}
    return _payload(event, data)


def _payload(event: DomainEvent, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": event.type,
        "event_id": event.event_id,
        "occurred_at": event.occurred_at.isoformat(),
        "exam_id": event.exam_id,
        "data": data,
    }


def stream_key(stream_id: str) -> tuple[int, int]:
    """Order of Redis stream ids (``ms-seq``)."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)
