"""The end-of-run audit: every acknowledged submission graded exactly once, with identical
scores wherever it was graded.

Reads the run's Redis after the surge: the stored submissions and results, the
``submission.graded`` events, the dead-letter counters; re-grades every submission in-process
with ``grade_submission`` and compares each stored result (from a cluster worker or from the
Lambda function) with it bit for bit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assessment_engine.grading.submission import grade_submission
from assessment_engine.storage.errors import ResultNotFoundError
from assessment_engine.storage.events import read_events
from assessment_engine.storage.questions import load_questions
from assessment_engine.storage.results import get_result
from assessment_engine.storage.submissions import (
    exam_counts,
    get_submission,
    list_submission_ids,
)


@dataclass
class GradedRecord:
    submission_id: str
    graded_by: str
    received_at: datetime
    graded_at: datetime
    total: float
    max_total: float

    @property
    def time_to_grade_s(self) -> float:
        return (self.graded_at - self.received_at).total_seconds()


@dataclass
class AuditReport:
    acknowledged: int
    stored: int
    auto_submitted: int
    graded: int
    graded_by: dict[str, int]
    missing_acknowledged: list[str] = field(default_factory=list)
    ungraded: list[str] = field(default_factory=list)
    graded_event_counts: dict[int, int] = field(default_factory=dict)
    score_mismatches: list[str] = field(default_factory=list)
    dead_lettered: int = 0
    records: list[GradedRecord] = field(default_factory=list)
    # the store's own ``graded`` counter (one increment per result written): above ``graded``
    # means a result was written twice
    graded_counter: int = 0
    # submissions with more than one ``submission.accepted`` event (a duplicated acceptance)
    duplicate_accepted: list[str] = field(default_factory=list)

    @property
    def duplicate_results(self) -> int:
        return max(0, self.graded_counter - self.graded)

    @property
    def exactly_once(self) -> bool:
        return (
            not self.ungraded
            and set(self.graded_event_counts) <= {1}
            and self.graded == self.stored
            and self.duplicate_results == 0
            and not self.duplicate_accepted
        )

    @property
    def passed(self) -> bool:
        return (
            self.exactly_once
            and not self.missing_acknowledged
            and not self.score_mismatches
            and self.dead_lettered == 0
        )

    def lines(self) -> list[str]:
        verdict = "PASSED" if self.passed else "FAILED"
        events = ", ".join(
            f"{n} submission(s) with {k} graded event(s)"
            for k, n in sorted(self.graded_event_counts.items())
        )
        return [
            f"**Audit {verdict}.**",
            f"- acknowledged (202) by the API: {self.acknowledged}; stored submissions: "
            f"{self.stored} (of which auto-submitted by the server at the deadline: "
            f"{self.auto_submitted}); acknowledged but not stored: "
            f"{len(self.missing_acknowledged)}",
            f"- graded: {self.graded} of {self.stored} "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(self.graded_by.items()))}); "
            f"ungraded: {len(self.ungraded)}; dead-lettered: {self.dead_lettered}",
            f"- exactly once: {events or 'no graded events'}; results written "
            f"{self.graded_counter} time(s) for {self.graded} graded (duplicates: "
            f"{self.duplicate_results}); submissions accepted twice: "
            f"{len(self.duplicate_accepted)}",
            f"- identical scores: every stored result re-graded in-process with the same code; "
            f"mismatches: {len(self.score_mismatches)}",
        ]


async def audit_exam(redis: Any, exam_id: str, receipts: dict[str, dict[str, Any]]) -> AuditReport:
    """Audit one exam of the run; ``receipts`` are the 202 bodies the students received."""
    sids = await list_submission_ids(redis, exam_id)
    stored = set(sids)
    acknowledged = {str(r["submission_id"]) for r in receipts.values()}
    report = AuditReport(
        acknowledged=len(acknowledged), stored=len(stored), auto_submitted=0, graded=0, graded_by={}
    )
    report.missing_acknowledged = sorted(acknowledged - stored)
    counts = await exam_counts(redis, exam_id)
    report.dead_lettered = counts.get("dead_lettered", 0)
    report.graded_counter = counts.get("graded", 0)
    by: Counter[str] = Counter()
    for sid in sids:
        submission = await get_submission(redis, exam_id, sid)
        report.auto_submitted += submission.auto_submitted
        try:
            result = await get_result(redis, exam_id, sid, submission.key_version)
        except ResultNotFoundError:
            report.ungraded.append(sid)
            continue
        report.graded += 1
        by[result.graded_by] += 1
        report.records.append(
            GradedRecord(
                sid,
                result.graded_by,
                result.received_at,
                result.graded_at,
                result.total,
                result.max_total,
            )
        )
        questions = await load_questions(redis, exam_id, submission.key_version)
        expected = grade_submission(questions, submission.answers, submission.question_ids)
        if expected != result.grade:
            report.score_mismatches.append(
                f"{sid} ({result.graded_by}): stored {result.total} vs re-graded {expected.total}"
            )
    report.graded_by = dict(by)
    per_submission: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    after = "0-0"
    while True:
        events = await read_events(redis, after=after, count=5000)
        if not events:
            break
        after = events[-1].stream_id
        for event in events:
            if event.type == "submission.graded" and event.exam_id == exam_id:
                per_submission[str(event.data.get("submission_id"))] += 1
            elif event.type == "submission.accepted" and event.exam_id == exam_id:
                accepted[str(event.data.get("submission_id"))] += 1
    report.graded_event_counts = dict(Counter(per_submission[s] for s in sids))
    report.duplicate_accepted = sorted(sid for sid, n in accepted.items() if n > 1)
    return report
