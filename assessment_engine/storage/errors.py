"""Errors of the Redis storage adapters, named by what the caller should do next.

    StorageError                     base; never raised itself
    ├── RecordNotFoundError          the record asked for does not exist: 404 at the API edge
    │   ├── SubmissionNotFoundError
    │   ├── QuestionsNotFoundError   no question bank stored for that exam + key version
    │   ├── ResultNotFoundError
    │   └── DeadLetterNotFoundError
    ├── ImmutableRecordError         a write contradicts stored immutable data: 409, do not retry
    │   └── KeyVersionConflictError  a key version's question bank is immutable once saved
    └── CorruptRecordError           a stored record cannot be parsed: operator attention

The exam rules' own ``NotFoundError``/``ConflictError`` (``exams.errors``) are about what a caller
may do; these are about stored records. Redis connection errors are not wrapped: they are
``redis.exceptions.ConnectionError`` / ``TimeoutError`` and mean "retry later" (the API maps
them to 503 with Retry-After).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage errors."""


class RecordNotFoundError(StorageError, LookupError):
    """The requested record does not exist."""


class SubmissionNotFoundError(RecordNotFoundError):
    def __init__(self, exam_id: str, submission_id: str) -> None:
        super().__init__(f"no submission {submission_id!r} in exam {exam_id!r}")
        self.exam_id = exam_id
        self.submission_id = submission_id


class QuestionsNotFoundError(RecordNotFoundError):
    def __init__(self, exam_id: str, key_version: int) -> None:
        super().__init__(f"no question bank for exam {exam_id!r} key version {key_version}")
        self.exam_id = exam_id
        self.key_version = key_version


class ResultNotFoundError(RecordNotFoundError):
    def __init__(self, exam_id: str, submission_id: str) -> None:
        super().__init__(f"no result for submission {submission_id!r} in exam {exam_id!r}")
        self.exam_id = exam_id
        self.submission_id = submission_id


class DeadLetterNotFoundError(RecordNotFoundError):
    def __init__(self, exam_id: str, entry_id: str) -> None:
        super().__init__(f"no dead-lettered job {entry_id!r} in exam {exam_id!r}")
        self.exam_id = exam_id
        self.entry_id = entry_id


class ImmutableRecordError(StorageError):
    """The write contradicts immutable stored data."""


class KeyVersionConflictError(ImmutableRecordError):
    def __init__(self, exam_id: str, key_version: int) -> None:
        super().__init__(
            f"exam {exam_id!r} key version {key_version} already has a different question bank;"
            " key versions are immutable: save the fix as a new key version"
        )
        self.exam_id = exam_id
        self.key_version = key_version


class CorruptRecordError(StorageError):
    """A stored record could not be parsed."""
