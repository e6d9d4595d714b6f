"""The analytics domain: record first attempts from events, compute and serve reports.

Called by ``analytics.consumer`` (``handle``) and by the routes (one method each). Proctors see
the analysis of exams they own (owner resolved from the exam store, see ``common.exams``);
admins and service accounts see every exam; students see none.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import redis.asyncio as aioredis

from assessment_engine.storage.events import DomainEvent
from platform_services.analytics.errors import (
    ExamNotFoundError,
    NotAllowedError,
    ReportNotFoundError,
)
from platform_services.analytics.itemstats import analyse
from platform_services.analytics.metrics import AnalyticsMetrics
from platform_services.analytics.models import (
    GradedItem,
    ItemAnalysisReport,
    ResponseRow,
    Thresholds,
)
from platform_services.analytics.store import AnalyticsStore
from platform_services.common.exams import exam_ownership
from platform_services.identity.claims import Claims


def row_from_graded(event: DomainEvent) -> ResponseRow:
    """The stored row of a ``submission.graded`` event (raises on malformed data)."""
    data = event.data
    return ResponseRow(
        student_id=str(data["student_id"]),
        attempt_id=str(data["attempt_id"]),
        submission_id=str(data["submission_id"]),
        key_version=int(data["key_version"]),
        questions=[GradedItem.model_validate(q) for q in data["questions"]],
    )


class AnalyticsService:
    def __init__(
        self, redis: aioredis.Redis, thresholds: Thresholds, metrics: AnalyticsMetrics
    ) -> None:
        self.redis = redis
        self.store = AnalyticsStore(redis)
        self.thresholds = thresholds
        self.metrics = metrics

    async def handle(self, event: DomainEvent) -> str:
        """Apply one domain event; idempotent (redelivery rewrites the same row/report)."""
        if event.type == "submission.graded":
            changed = await self.store.upsert_row(event.exam_id, row_from_graded(event))
            return "recorded" if changed else "ignored"
        if event.type == "exam.closed":
            if await self.store.rows(event.exam_id):
                await self.compute(event.exam_id, trigger="exam.closed")
                return "analysed"
            return "empty"
        return "skipped"

    async def authorise(self, caller: Claims, exam_id: str) -> None:
        if caller.role in ("admin", "service"):
            return
        if caller.role != "proctor":
            raise NotAllowedError("only proctors, admins and services read item analyses")
        ownership = await exam_ownership(self.redis, exam_id)
        if ownership is None:
            raise ExamNotFoundError("no such exam", {"exam_id": exam_id})
        if ownership.owner != caller.sub:
            raise NotAllowedError("this exam belongs to another proctor", {"exam_id": exam_id})

    async def compute(self, exam_id: str, trigger: str = "request") -> ItemAnalysisReport:
        rows = await self.store.rows(exam_id)
        if not rows:
            raise ExamNotFoundError("no graded first attempts for this exam", {"exam_id": exam_id})
        started = time.perf_counter()
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        report = await asyncio.to_thread(analyse, exam_id, rows, self.thresholds, now)
        await self.store.save_report(report)
        self.metrics.report_seconds.observe(time.perf_counter() - started)
        self.metrics.reports.labels(trigger).inc()
        return report

    async def report(self, exam_id: str) -> ItemAnalysisReport:
        report = await self.store.report(exam_id)
        if report is None:
            raise ReportNotFoundError(
                "no analysis yet: it is computed on exam.closed or POST .../analysis",
                {"exam_id": exam_id},
            )
        return report
