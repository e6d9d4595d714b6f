"""The hash-tagged exam prefix, and the keys of submissions, results, question banks and the
grading queue.

Every per-exam key carries the exam id as a hash tag (``exam:{<exam_id>}:...``, built by
:func:`exam_prefix`), so all keys of one exam live in one Redis Cluster slot and the multi-key
atomic steps (accept, complete, dead-letter) stay legal on a cluster. Keys of exams and attempts
are defined next to their code (``storage.exams``, ``storage.attempts``) on the same prefix.
Cross-exam keys, each touched alone and never in a multi-key step: the registry of grading
streams and the domain-event stream (here), the running-attempts index (``attempts.RUNNING``) and
the exam schedule and closing indexes (``exams.SCHEDULE``, ``exams.CLOSING``).
``docs/data-model.md`` documents every key's type and lifetime.
"""

from __future__ import annotations

GRADING_STREAMS = "grading:streams"
"""Set of the grading-stream keys that consumers read (one stream per exam)."""

DOMAIN_EVENTS = "events:domain"
"""Stream of domain events for the platform services (``docs/events.md``)."""


def _check(exam_id: str) -> str:
    if not exam_id or any(c in exam_id for c in "{}:"):
        raise ValueError(f"exam id must be non-empty and free of '{{', '}}', ':': {exam_id!r}")
    return exam_id


def exam_prefix(exam_id: str) -> str:
    """``exam:{<exam_id>}``: the hash-tagged prefix every per-exam key starts with."""
    return f"exam:{{{_check(exam_id)}}}"


def submission(exam_id: str, submission_id: str) -> str:
    """Hash: one accepted submission (answers, question order, key version, times, flags)."""
    return f"{exam_prefix(exam_id)}:submission:{submission_id}"


def submissions_index(exam_id: str) -> str:
    """Sorted set: submission ids of the exam scored by receive time (epoch milliseconds)."""
    return f"{exam_prefix(exam_id)}:submissions"


def idempotency(exam_id: str, student_id: str, key: str) -> str:
    """String ``<submission_id>|<received_at>``: the receipt of a (student, idempotency key)."""
    return f"{exam_prefix(exam_id)}:idem:{student_id}:{key}"


def grading_stream(exam_id: str) -> str:
    """Stream: the exam's grading jobs, read by the ``graders`` consumer group."""
    return f"{exam_prefix(exam_id)}:grading"


def dead_letters(exam_id: str) -> str:
    """Stream: grading jobs that failed ``max_deliveries`` times, for the proctor to retry."""
    return f"{exam_prefix(exam_id)}:dead"


def failures(exam_id: str) -> str:
    """Hash: grading-stream entry id -> number of failed grading attempts so far."""
    return f"{exam_prefix(exam_id)}:failures"


def result(exam_id: str, submission_id: str, key_version: int) -> str:
    """Hash: the one final result of a submission graded against ``key_version``."""
    return f"{exam_prefix(exam_id)}:result:{submission_id}:v{key_version}"


def latest_results(exam_id: str) -> str:
    """Hash: submission id -> highest key version that has a final result."""
    return f"{exam_prefix(exam_id)}:results:latest"


def counts(exam_id: str) -> str:
    """Hash of counters: ``accepted``, ``graded``, ``dead_lettered``, ``regrades_enqueued``."""
    return f"{exam_prefix(exam_id)}:counts"


def questions(exam_id: str, key_version: int) -> str:
    """String (JSON list of questions): the immutable question bank of one key version."""
    return f"{exam_prefix(exam_id)}:questions:v{key_version}"


def exam_id_of_stream(stream: str) -> str:
    """Inverse of :func:`grading_stream`: ``exam:{e1}:grading`` -> ``e1``."""
    start, end = stream.find("{"), stream.find("}")
    if not stream.startswith("exam:{") or end < start or not stream.endswith(":grading"):
        raise ValueError(f"not a grading stream key: {stream!r}")
    return stream[start + 1 : end]
