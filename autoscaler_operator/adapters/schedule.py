"""Read upcoming exams from the assessment service for schedule-aware pre-warm.

``GET {assessment_url}/v1/schedule/upcoming?within_seconds=N`` with a service bearer token,
returning ``[{exam_id, opens_at, expected_candidates}]`` (or ``{"exams": [...]}``).
Failures raise ``ScheduleUnavailableError``; the reconcile step then keeps the last schedule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from autoscaler_operator.decision import UpcomingExam
from autoscaler_operator.errors import ScheduleUnavailableError


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    exam_id: str
    opens_at: AwareDatetime
    expected_candidates: int = Field(ge=0)


def parse_schedule(payload: Any) -> list[UpcomingExam]:
    """Parse the endpoint's JSON (pure)."""
    items = payload.get("exams", payload.get("items")) if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ScheduleUnavailableError("schedule response is not a list of exams")
    try:
        entries = [_Entry.model_validate(item) for item in items]
    except ValidationError as exc:
        raise ScheduleUnavailableError(f"schedule entry invalid: {exc}") from exc
    return [UpcomingExam(e.exam_id, e.opens_at, e.expected_candidates) for e in entries]


class ScheduleReader:
    """Fetches the upcoming-exam schedule over HTTP."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    async def upcoming(self, within_seconds: float, now: datetime) -> list[UpcomingExam]:
        del now  # the service decides what is upcoming by its own (server) clock
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = f"{self.base_url}/v1/schedule/upcoming"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.get(
                    url, params={"within_seconds": int(within_seconds)}, headers=headers
                )
                response.raise_for_status()
                payload = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ScheduleUnavailableError(f"reading {url}: {exc!r}") from exc
        return parse_schedule(payload)
