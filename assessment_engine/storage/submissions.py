"""Accepting submissions durably: record + grading job in one atomic step, idempotent.

Called by the API's submit route and by the server-side auto-submit on time-out. A 202 may be
sent as soon as :func:`accept_submission` returns: with AOF ``appendfsync always`` the Lua
script's writes (idempotency key, submission hash, grading-stream entry, index, counter) are
fsynced as one MULTI/EXEC block before Redis replies, so ``kill -9`` loses nothing
acknowledged and a torn AOF tail never holds half of it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from assessment_engine.storage import keys
from assessment_engine.storage._redis import LuaScript, epoch_ms, rfc3339, text, text_map, utc_now
from assessment_engine.storage.errors import CorruptRecordError, SubmissionNotFoundError
from assessment_engine.storage.events import publish_event
from assessment_engine.storage.models import NewSubmission, Receipt, SubmissionRecord


# KEYS: idem, submission, stream, index, counts
# ARGV: sid, received_at, received_ms, exam, attempt, student, answers, question_ids,
#       key_version, late, auto_submitted, idempotency_key
# The shebang makes Redis refuse the whole script up front when it is out of memory, and the
# TYPE checks run before any write: a failing accept writes nothing.
def _accept_script(expected_types: str, last_key: int, duplicate: str, tail: str) -> str:
    """The accept step's Lua: idempotency check, type checks of KEYS[2..last_key] before any
    write, the submission record, its grading job, the index and the counter, then ``tail``."""
    return (
        "#!lua\n"
        "local prior = redis.call('GET', KEYS[1])\n"
        f"if prior then return {duplicate} end\n"
        f"local expected = {{{expected_types}}}\n"
        f"for i = 2, {last_key} do\n"
        "  local t = redis.call('TYPE', KEYS[i])['ok']\n"
        "  if t ~= 'none' and t ~= expected[i - 1] then\n"
        "    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. t)\n"
        "  end\n"
        "end\n"
        "local receipt = ARGV[1] .. '|' .. ARGV[2]\n"
        "redis.call('SET', KEYS[1], receipt)\n"
        "redis.call('HSET', KEYS[2], 'submission_id', ARGV[1], 'received_at', ARGV[2],\n"
        "  'exam_id', ARGV[4], 'attempt_id', ARGV[5], 'student_id', ARGV[6], 'answers', ARGV[7],\n"
        "  'question_ids', ARGV[8], 'key_version', ARGV[9], 'late', ARGV[10],\n"
        "  'auto_submitted', ARGV[11], 'idempotency_key', ARGV[12])\n"
        "redis.call('XADD', KEYS[3], '*', 'exam_id', ARGV[4], 'submission_id', ARGV[1],\n"
        "  'key_version', ARGV[9], 'enqueued_at', ARGV[2])\n"
        "redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])\n"
        "redis.call('HINCRBY', KEYS[5], 'accepted', 1)\n" + tail
    )


_ACCEPT = LuaScript(
    _accept_script("'hash', 'stream', 'zset', 'hash'", 5, "{0, prior}", "return {1, receipt}\n")
)


def new_submission_id() -> str:
    return uuid.uuid4().hex


def _accept_call(
    submission: NewSubmission, sid: str, received: datetime
) -> tuple[list[str], list[str | int | float]]:
    """KEYS and ARGV of the accept script (shared by both accept variants)."""
    exam_id = submission.exam_id
    call_keys = [
        keys.idempotency(exam_id, submission.student_id, submission.idempotency_key),
        keys.submission(exam_id, sid),
        keys.grading_stream(exam_id),
        keys.submissions_index(exam_id),
        keys.counts(exam_id),
    ]
    args: list[str | int | float] = [
        sid,
        rfc3339(received),
        epoch_ms(received),
        exam_id,
        submission.attempt_id,
        submission.student_id,
        json.dumps(submission.answers, sort_keys=True),
        json.dumps(submission.question_ids),
        submission.key_version,
        int(submission.late),
        int(submission.auto_submitted),
        submission.idempotency_key,
    ]
    return call_keys, args


async def _run_accept(
    redis: aioredis.Redis, script: LuaScript, stream: str, call_keys: list[str], args: list[Any]
) -> Any:
    # One round trip: register the stream (idempotent, another slot), then the atomic step.
    async with redis.pipeline(transaction=False) as pipe:
        pipe.sadd(keys.GRADING_STREAMS, stream)
        script.queue_in(pipe, call_keys, args)
        _, reply = await pipe.execute(raise_on_error=False)
    if isinstance(reply, NoScriptError):  # script cache empty (Redis restarted): load and run
        reply = await script(redis, call_keys, args)
    elif isinstance(reply, Exception):
        raise reply
    return reply


async def publish_accepted(
    redis: aioredis.Redis, submission: NewSubmission, receipt: Receipt
) -> None:
    """The ``submission.accepted`` event of an accepted (non-duplicate) submission."""
    await publish_event(
        redis,
        "submission.accepted",
        submission.exam_id,
        {
            "submission_id": receipt.submission_id,
            "attempt_id": submission.attempt_id,
            "student_id": submission.student_id,
            "key_version": submission.key_version,
            "received_at": receipt.received_at,
            "late": submission.late,
            "auto_submitted": submission.auto_submitted,
        },
    )


async def accept_submission(
    redis: aioredis.Redis, submission: NewSubmission, *, publish: bool = True
) -> Receipt:
    """Store the submission and its grading job atomically; return the receipt for the 202.

    Idempotency key: (exam_id, student_id, idempotency_key). A repeat returns the first
    receipt (same submission_id and received_at) with ``duplicate=True`` and writes nothing.
    After the atomic step a ``submission.accepted`` event is appended (not for duplicates).
    The grading stream is registered in ``grading:streams`` first (a set in another slot),
    so consumers always know a stream before it holds a job.
    """
    received = submission.received_at or utc_now()
    call_keys, args = _accept_call(submission, new_submission_id(), received)
    reply = await _run_accept(redis, _ACCEPT, call_keys[2], call_keys, args)
    created, receipt_raw = reply
    stored_sid, received_at = text(receipt_raw).split("|", 1)
    receipt = Receipt(submission_id=stored_sid, received_at=received_at, duplicate=not int(created))
    if publish and not receipt.duplicate:
        await publish_accepted(redis, submission, receipt)
    return receipt


# The accept script plus one guarded companion write in the exam's slot, in the same atomic
# step: KEYS[6] (a string) is set to ARGV[14] only if the submission was created and KEYS[6]
# still holds ARGV[13] (compare-and-set). Returns {created, receipt, written}.
_ACCEPT_AND_SET = LuaScript(
    _accept_script(
        "'hash', 'stream', 'zset', 'hash', 'string'",
        6,
        "{0, prior, 0}",
        "local written = 0\n"
        "if redis.call('GET', KEYS[6]) == ARGV[13] then\n"
        "  redis.call('SET', KEYS[6], ARGV[14])\n"
        "  written = 1\n"
        "end\n"
        "return {1, receipt, written}\n",
    )
)


async def accept_submission_and_set(
    redis: aioredis.Redis,
    submission: NewSubmission,
    *,
    submission_id: str,
    companion: tuple[str, str, str],
) -> tuple[Receipt, bool]:
    """:func:`accept_submission` with a compare-and-set of one more string key, atomically.

    ``companion`` is (key, expected value, new value); the key must lie in the exam's slot.
    The caller chooses ``submission_id`` and ``received_at`` (required) so that it can build
    the new value before the call (the API records the submission on the attempt this way, in
    the accept's own fsync). Returns (receipt, whether the companion was written): it is
    written only for a created submission whose key still held the expected value. Publishes
    nothing: the caller publishes ``submission.accepted`` (:func:`publish_accepted`) after.
    Idempotency key: (exam_id, student_id, idempotency_key), as for ``accept_submission``.
    """
    if submission.received_at is None:
        raise ValueError("accept_submission_and_set needs the submission's received_at")
    key, expected, value = companion
    if not key.startswith(keys.exam_prefix(submission.exam_id) + ":"):
        raise ValueError(f"companion key {key!r} is not in the exam's slot")
    call_keys, args = _accept_call(submission, submission_id, submission.received_at)
    reply = await _run_accept(
        redis, _ACCEPT_AND_SET, call_keys[2], [*call_keys, key], [*args, expected, value]
    )
    created, receipt_raw, written = reply
    stored_sid, received_at = text(receipt_raw).split("|", 1)
    receipt = Receipt(submission_id=stored_sid, received_at=received_at, duplicate=not int(created))
    return receipt, bool(int(written))


def _parse_submission(exam_id: str, submission_id: str, raw: dict[str, str]) -> SubmissionRecord:
    try:
        return SubmissionRecord(
            submission_id=submission_id,
            exam_id=raw["exam_id"],
            attempt_id=raw["attempt_id"],
            student_id=raw["student_id"],
            answers=json.loads(raw["answers"]),
            question_ids=json.loads(raw["question_ids"]),
            key_version=int(raw["key_version"]),
            received_at=datetime.fromisoformat(raw["received_at"]),
            late=raw["late"] == "1",
            auto_submitted=raw["auto_submitted"] == "1",
            idempotency_key=raw["idempotency_key"],
        )
    except (KeyError, ValueError) as exc:
        raise CorruptRecordError(f"submission {submission_id!r} of {exam_id!r} is corrupt") from exc


async def get_submission(
    redis: aioredis.Redis, exam_id: str, submission_id: str
) -> SubmissionRecord:
    """The stored submission, or ``SubmissionNotFoundError``."""
    raw: Any = await redis.hgetall(keys.submission(exam_id, submission_id))
    if not raw:
        raise SubmissionNotFoundError(exam_id, submission_id)
    return _parse_submission(exam_id, submission_id, text_map(raw))


async def find_receipt(
    redis: aioredis.Redis, exam_id: str, student_id: str, idempotency_key: str
) -> Receipt | None:
    """The receipt stored for (student, idempotency key), if that submit was accepted."""
    raw = await redis.get(keys.idempotency(exam_id, student_id, idempotency_key))
    if raw is None:
        return None
    sid, received_at = text(raw).split("|", 1)
    return Receipt(submission_id=sid, received_at=received_at, duplicate=True)


async def list_submission_ids(redis: aioredis.Redis, exam_id: str) -> list[str]:
    """Submission ids of the exam in receive order."""
    return [text(s) for s in await redis.zrange(keys.submissions_index(exam_id), 0, -1)]


async def count_submissions(redis: aioredis.Redis, exam_id: str) -> int:
    """Number of accepted (stored) submissions of the exam."""
    return int(await redis.zcard(keys.submissions_index(exam_id)))


async def exam_counts(redis: aioredis.Redis, exam_id: str) -> dict[str, int]:
    """Counters of the exam: accepted, graded (and ``graded_by_cluster``/``graded_by_lambda``:
    which side wrote each first result), dead_lettered, regrades_enqueued (0 if unset)."""
    raw: Any = await redis.hgetall(keys.counts(exam_id))
    values = {k: int(v) for k, v in text_map(raw).items()}
    names = ("accepted", "graded", "graded_by_cluster", "graded_by_lambda", "dead_lettered")
    for name in (*names, "regrades_enqueued"):
        values.setdefault(name, 0)
    return values


async def enqueue_grading(
    redis: aioredis.Redis, exam_id: str, submission_id: str, key_version: int
) -> str:
    """Add a grading job for a stored submission (regrade at ``key_version``); returns entry id.

    May run twice (a retried regrade): harmless, because results are written once per
    (submission_id, key_version) and a second job for a graded pair completes as a no-op.
    """
    if not await redis.exists(keys.submission(exam_id, submission_id)):
        raise SubmissionNotFoundError(exam_id, submission_id)
    stream = keys.grading_stream(exam_id)
    await redis.sadd(keys.GRADING_STREAMS, stream)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(
            stream,
            {
                "exam_id": exam_id,
                "submission_id": submission_id,
                "key_version": str(key_version),
                "enqueued_at": rfc3339(utc_now()),
            },
        )
        pipe.hincrby(keys.counts(exam_id), "regrades_enqueued", 1)
        entry, _ = await pipe.execute()
    return text(entry)
