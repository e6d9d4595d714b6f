"""Attempts, autosaved answers, the submit claim, the submit step, the auto-submit index and
admission tokens.

Called by the API's services and its auto-submit sweeper. ``store_submission`` is the submit's
durable step (the submission accepted and recorded on the attempt); ``announce_submission`` the
round trip after it. Per-exam keys use the storage
package's hash-tagged prefix ``exam:{<exam_id>}``; the cross-exam sorted set
``attempts:running`` indexes running attempts by the instant their grace ends (the sweeper's
work list; entries are re-scored when a deadline moves). Autosave and admission run as Lua
scripts so each is one atomic step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from assessment_engine.exams.admission import AdmissionDecision, BucketState
from assessment_engine.exams.errors import (
    AlreadySubmittedError,
    AttemptNotActiveError,
    ConflictError,
    NotFoundError,
    StaleSaveError,
)
from assessment_engine.exams.models import Attempt, Exam
from assessment_engine.storage import keys
from assessment_engine.storage._redis import LuaScript, text
from assessment_engine.storage.events import EventType, publish_event
from assessment_engine.storage.exams import CACHE, exam_key, revision_key
from assessment_engine.storage.models import NewSubmission, Receipt
from assessment_engine.storage.submissions import (
    accept_submission_and_set,
    new_submission_id,
    publish_accepted,
)

RUNNING = "attempts:running"
_MAX_CAS_RETRIES = 50


def attempt_key(exam_id: str, student_id: str) -> str:
    """String (JSON ``Attempt``): one student's attempt."""
    return f"{keys.exam_prefix(exam_id)}:attempt:{student_id}"


def answers_key(exam_id: str, student_id: str) -> str:
    """Hash: question id -> JSON ``{"seq", "answer", "saved_at"}`` (last accepted autosave)."""
    return f"{keys.exam_prefix(exam_id)}:answers:{student_id}"


def submit_claim_key(exam_id: str, student_id: str) -> str:
    """String: the idempotency key of the submit that owns the attempt's one submission."""
    return f"{keys.exam_prefix(exam_id)}:submitting:{student_id}"


def attempts_index(exam_id: str) -> str:
    """Set: student ids with an attempt at the exam."""
    return f"{keys.exam_prefix(exam_id)}:attempts"


def admission_key(exam_id: str) -> str:
    """Hash ``tokens``, ``updated_at``: the exam's start-attempt token bucket (1-hour TTL)."""
    return f"{keys.exam_prefix(exam_id)}:admission"


def running_member(exam_id: str, student_id: str) -> str:
    """The member of ``attempts:running`` for one attempt."""
    return json.dumps([exam_id, student_id])


async def create_attempt(redis: aioredis.Redis, attempt: Attempt, final_at: datetime) -> Attempt:
    """Store a new attempt; if the student has one, return that (start is idempotent).

    One pipelined round trip, cluster-safe (no cross-slot transaction): ``SET NX`` of the
    attempt, its exam index entry and its sweeper index entry (``ZADD NX``). When the attempt
    existed, the index writes change nothing for a running attempt; an entry of a finished one
    is dropped by the sweeper's next pass (``forget_running``).
    """
    member = running_member(attempt.exam_id, attempt.student_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(
            attempt_key(attempt.exam_id, attempt.student_id), attempt.model_dump_json(), nx=True
        )
        pipe.sadd(attempts_index(attempt.exam_id), attempt.student_id)
        pipe.zadd(RUNNING, {member: final_at.timestamp()}, nx=True)
        created, _, _ = await pipe.execute()
    if created:
        return attempt
    existing = await get_attempt(redis, attempt.exam_id, attempt.student_id)
    if existing is None:  # deleted in between: an operator action, not a race we win
        raise ConflictError("the attempt changed concurrently; retry")
    return existing


async def forget_running(redis: aioredis.Redis, exam_id: str, student_id: str) -> None:
    """Drop an attempt from the sweeper index (it is finished)."""
    await redis.zrem(RUNNING, running_member(exam_id, student_id))


async def get_attempt(redis: aioredis.Redis, exam_id: str, student_id: str) -> Attempt | None:
    raw = await redis.get(attempt_key(exam_id, student_id))
    return None if raw is None else Attempt.model_validate_json(raw)


async def require_attempt(redis: aioredis.Redis, exam_id: str, student_id: str) -> Attempt:
    attempt = await get_attempt(redis, exam_id, student_id)
    if attempt is None:
        raise NotFoundError(
            "no attempt for this student", {"exam_id": exam_id, "student_id": student_id}
        )
    return attempt


async def update_attempt(
    redis: aioredis.Redis, exam_id: str, student_id: str, change: Callable[[Attempt], Attempt]
) -> Attempt:
    """Apply the pure ``change`` under WATCH (retried on a concurrent write); the new attempt."""
    key = attempt_key(exam_id, student_id)
    for _ in range(_MAX_CAS_RETRIES):
        async with redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                raw = await pipe.get(key)
                if raw is None:
                    raise NotFoundError("no attempt for this student", {"student_id": student_id})
                after = change(Attempt.model_validate_json(raw))
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(key, after.model_dump_json())
                await pipe.execute()
            except WatchError:
                continue
            if after.finished:  # the sweeper index is another slot: not in the transaction
                await forget_running(redis, exam_id, student_id)
            return after
    raise ConflictError("the attempt is being changed concurrently; retry")


async def list_attempts(redis: aioredis.Redis, exam_id: str) -> list[Attempt]:
    students = sorted(text(s) for s in await redis.smembers(attempts_index(exam_id)))
    if not students:
        return []
    raws = await redis.mget([attempt_key(exam_id, s) for s in students])
    return [Attempt.model_validate_json(raw) for raw in raws if raw is not None]


async def reschedule(
    redis: aioredis.Redis, exam_id: str, student_id: str, final_at: datetime
) -> None:
    """Move a running attempt's entry in the sweeper index to its current end of grace."""
    await redis.zadd(RUNNING, {running_member(exam_id, student_id): final_at.timestamp()}, xx=True)


async def due_attempts(
    redis: aioredis.Redis, now: datetime, limit: int = 500
) -> list[tuple[str, str]]:
    """Running attempts whose recorded end of grace is at or before ``now``."""
    members = await redis.zrangebyscore(RUNNING, "-inf", now.timestamp(), start=0, num=limit)
    pairs = [json.loads(text(m)) for m in members]
    return [(str(exam_id), str(student_id)) for exam_id, student_id in pairs]


# KEYS: attempt, answers, submit claim.  ARGV: question id, seq, payload JSON.
_AUTOSAVE = LuaScript(
    """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing', ''} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'submitting', ''} end
local status = cjson.decode(raw)['status']
if status ~= 'in_progress' then return {'inactive', status} end
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current then
  local seq = cjson.decode(current)['seq']
  if tonumber(ARGV[2]) <= tonumber(seq) then return {'stale', tostring(seq)} end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return {'ok', ARGV[2]}
"""
)


@dataclass(frozen=True)
class SavedAnswer:
    seq: int
    answer: Any
    saved_at: str


async def save_answer(
    redis: aioredis.Redis,
    exam_id: str,
    student_id: str,
    question_id: str,
    seq: int,
    answer: Any,
    saved_at: datetime,
) -> SavedAnswer:
    """Store an autosave if ``seq`` is above the stored one (one atomic step).

    Idempotency key: (exam, student, question, seq): a repeat of an accepted save is stale and
    changes nothing. Raises ``StaleSaveError`` (details: ``current_seq``), or
    ``AttemptNotActiveError``/``AlreadySubmittedError`` when the attempt takes no answers.
    """
    saved = SavedAnswer(seq=seq, answer=answer, saved_at=saved_at.isoformat())
    payload = json.dumps({"seq": seq, "answer": answer, "saved_at": saved.saved_at})
    reply = await _AUTOSAVE(
        redis,
        [
            attempt_key(exam_id, student_id),
            answers_key(exam_id, student_id),
            submit_claim_key(exam_id, student_id),
        ],
        [question_id, seq, payload],
    )
    outcome, value = text(reply[0]), text(reply[1])
    if outcome == "ok":
        return saved
    if outcome == "stale":
        raise StaleSaveError(
            "a save with this or a later sequence number is stored",
            {"question_id": question_id, "current_seq": int(float(value))},
        )
    if outcome == "missing":
        raise NotFoundError("no attempt for this student", {"exam_id": exam_id})
    if outcome == "submitting" or value in ("submitted", "terminated"):
        raise AlreadySubmittedError("the attempt is submitted", {"status": value or "submitted"})
    raise AttemptNotActiveError("the attempt takes no answers now", {"status": value})


async def load_answers(
    redis: aioredis.Redis, exam_id: str, student_id: str
) -> dict[str, SavedAnswer]:
    raw: Any = await redis.hgetall(answers_key(exam_id, student_id))
    return _parse_answers(raw)


@dataclass(frozen=True)
class AnswerActivity:
    """How many answers a student has saved, and when the latest was saved."""

    answered: int
    last_saved_at: str | None


async def answer_activity(
    redis: aioredis.Redis, exam_id: str, student_ids: list[str]
) -> dict[str, AnswerActivity]:
    """Per student: saved-answer count and latest ``saved_at`` (one pipelined round trip)."""
    async with redis.pipeline(transaction=False) as pipe:
        for student in student_ids:
            pipe.hvals(answers_key(exam_id, student))
        replies = await pipe.execute()
    activity = {}
    for student, values in zip(student_ids, replies, strict=True):
        stamps = [json.loads(v)["saved_at"] for v in values]
        activity[student] = AnswerActivity(len(stamps), max(stamps) if stamps else None)
    return activity


def _parse_answers(raw: Any) -> dict[str, SavedAnswer]:
    result = {}
    for qid, value in dict(raw).items():
        data = json.loads(value)
        result[text(qid)] = SavedAnswer(
            seq=int(data["seq"]), answer=data["answer"], saved_at=data["saved_at"]
        )
    return result


async def claim_submit(
    redis: aioredis.Redis, exam_id: str, student_id: str, idempotency_key: str
) -> tuple[str, dict[str, SavedAnswer]]:
    """Make ``idempotency_key`` the owner of the attempt's one submission; (owner, answers).

    Idempotency key: the attempt. The first claimant wins; every later submit (a retry, the
    sweeper) learns the owner's key and completes or reports that one submission. The claim
    and the read of the saved answers are one transaction, and autosave refuses once the claim
    exists, so the answers read here are the final ones (one round trip, one fsync).
    """
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(submit_claim_key(exam_id, student_id), idempotency_key, nx=True, get=True)
        pipe.hgetall(answers_key(exam_id, student_id))
        previous, raw = await pipe.execute()
    owner = idempotency_key if previous is None else text(previous)
    return owner, _parse_answers(raw)


# KEYS: attempt, answers, submit claim.  ARGV: idempotency key, then per final answer:
# question id, seq, payload JSON. Autosave's checks and the claim in one atomic step.
_CLAIM_WITH_ANSWERS = LuaScript(
    """
local owner = redis.call('GET', KEYS[3])
if owner and owner ~= ARGV[1] then return {'claimed', owner, {}} end
if not owner and #ARGV > 1 then
  local raw = redis.call('GET', KEYS[1])
  if not raw then return {'missing', '', {}} end
  local status = cjson.decode(raw)['status']
  if status ~= 'in_progress' then return {'inactive', status, {}} end
  for i = 2, #ARGV, 3 do
    local current = redis.call('HGET', KEYS[2], ARGV[i])
    if not current or tonumber(ARGV[i + 1]) > tonumber(cjson.decode(current)['seq']) then
      redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    end
  end
end
if not owner then redis.call('SET', KEYS[3], ARGV[1]) end
return {'ok', ARGV[1], redis.call('HGETALL', KEYS[2])}
"""
)


async def claim_submit_with_answers(
    redis: aioredis.Redis,
    exam_id: str,
    student_id: str,
    idempotency_key: str,
    final_answers: list[tuple[str, int, Any]],
    saved_at: datetime,
) -> tuple[str, dict[str, SavedAnswer]]:
    """Save the submit's final answers (autosave rules; stale ones are skipped), then claim.

    One atomic step (one round trip, one fsync) instead of one autosave per answer plus
    :func:`claim_submit`, with the same outcome: (owner, answers read with the claim). When
    another key owns the submission, nothing is saved and the owner is returned; a retry by
    the owner saves nothing more (the claimed answers are final). Raises like
    :func:`save_answer` when answers are given but the attempt takes none.
    Idempotency key: the attempt (the first claimant wins).
    """
    args: list[str | int | float] = [idempotency_key]
    stamp = saved_at.isoformat()
    for question_id, seq, answer in final_answers:
        payload = json.dumps({"seq": seq, "answer": answer, "saved_at": stamp})
        args += [question_id, seq, payload]
    outcome, value, raw = await _CLAIM_WITH_ANSWERS(
        redis,
        [
            attempt_key(exam_id, student_id),
            answers_key(exam_id, student_id),
            submit_claim_key(exam_id, student_id),
        ],
        args,
    )
    outcome, value = text(outcome), text(value)
    if outcome == "missing":
        raise NotFoundError("no attempt for this student", {"exam_id": exam_id})
    if outcome == "inactive":
        if value in ("submitted", "terminated"):
            raise AlreadySubmittedError("the attempt is submitted", {"status": value})
        raise AttemptNotActiveError("the attempt takes no answers now", {"status": value})
    if outcome == "claimed":
        return value, {}
    pairs = list(raw)
    return value, _parse_answers(dict(zip(pairs[::2], pairs[1::2], strict=True)))


async def load_exam_and_attempt(
    redis: aioredis.Redis, exam_id: str, student_id: str
) -> tuple[Exam, Attempt | None]:
    """The exam and the student's attempt, read together (one ``MGET``, same hash slot).

    Reads the exam's revision instead of its definition and uses this process's parsed copy
    when it is of that revision (``storage.exams.CACHE``); otherwise a second ``MGET`` reads
    definition, revision and attempt together. Either way exam and attempt are one snapshot.
    """
    akey = attempt_key(exam_id, student_id)
    revision, raw_attempt = await redis.mget([revision_key(exam_id), akey])
    exam = CACHE.get(exam_id, revision)
    if exam is None:
        raw_exam, revision, raw_attempt = await redis.mget(
            [exam_key(exam_id), revision_key(exam_id), akey]
        )
        if raw_exam is None:
            raise NotFoundError("no such exam", {"exam_id": exam_id})
        exam = CACHE.parse(exam_id, raw_exam, revision)
    attempt = None if raw_attempt is None else Attempt.model_validate_json(raw_attempt)
    return exam, attempt


# KEYS: bucket.  ARGV: now (s), rate, burst.  Mirrors assessment_engine.exams.admission.take_token.
_TAKE_TOKEN = LuaScript(
    """
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = burst
if state[1] then
  local elapsed = math.max(0, now - tonumber(state[2]))
  tokens = math.min(burst, tonumber(state[1]) + elapsed * rate)
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated_at', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
return {allowed, tostring(tokens), tostring(retry)}
"""
)


async def take_admission_token(
    redis: aioredis.Redis, exam_id: str, now: float, rate: float, burst: float
) -> AdmissionDecision:
    """One start-attempt token from the exam's bucket (``exams.admission`` semantics)."""
    allowed, tokens, retry = await _TAKE_TOKEN(redis, [admission_key(exam_id)], [now, rate, burst])
    return AdmissionDecision(
        bool(int(allowed)), BucketState(float(text(tokens)), now), float(text(retry))
    )


Recorder = Callable[[Attempt, str, datetime], Attempt]
"""(stored attempt, submission id, received at) -> the attempt with that submission recorded."""


@dataclass(frozen=True)
class StoredSubmission:
    """The outcome of :func:`store_submission`."""

    attempt: Attempt
    """The attempt as stored after the step."""
    receipt: Receipt
    recorded_in_accept: bool
    """True when the attempt was written in the accept's own atomic step."""


@dataclass(frozen=True)
class PendingEvent:
    """An event to publish with :func:`announce_submission` (see ``storage.events``)."""

    type: EventType
    exam_id: str
    data: dict[str, Any]


async def store_submission(
    redis: aioredis.Redis, submission: NewSubmission, attempt: Attempt, record: Recorder
) -> StoredSubmission:
    """Accept ``submission`` (atomic, durable, idempotent) and record it on the attempt.

    ``attempt`` is the attempt as read before; ``submission.received_at`` is required. The
    attempt ``record`` returns is written in the accept's own atomic step when the stored
    attempt is still the one read (one fsync); for a duplicate, or an attempt changed in
    between, ``record`` is applied to the current attempt under WATCH after. Idempotency key:
    (exam_id, student_id, idempotency_key) of the submission; ``record`` must leave a
    finished attempt as it is, so a repeat changes nothing.
    """
    if submission.received_at is None:
        raise ValueError("store_submission needs the submission's received_at")
    sid = new_submission_id()
    recorded = record(attempt, sid, submission.received_at)
    key = attempt_key(submission.exam_id, submission.student_id)
    receipt, written = await accept_submission_and_set(
        redis,
        submission,
        submission_id=sid,
        companion=(key, attempt.model_dump_json(), recorded.model_dump_json()),
    )
    if written:
        return StoredSubmission(recorded, receipt, recorded_in_accept=True)
    received = datetime.fromisoformat(receipt.received_at.replace("Z", "+00:00"))
    updated = await update_attempt(
        redis,
        submission.exam_id,
        submission.student_id,
        lambda current: record(current, receipt.submission_id, received),
    )
    return StoredSubmission(updated, receipt, recorded_in_accept=False)


async def announce_submission(
    redis: aioredis.Redis,
    submission: NewSubmission,
    stored: StoredSubmission,
    events: Sequence[PendingEvent] = (),
) -> None:
    """After :func:`store_submission`, in one round trip: the sweeper index entry goes (when
    the accept recorded the attempt; ``update_attempt`` already drops it otherwise), then
    ``submission.accepted`` (not for a duplicate) and ``events``."""
    async with redis.pipeline(transaction=False) as pipe:
        if stored.recorded_in_accept:
            pipe.zrem(RUNNING, running_member(submission.exam_id, submission.student_id))
        if not stored.receipt.duplicate:
            await publish_accepted(pipe, submission, stored.receipt)
        for event in events:
            await publish_event(pipe, event.type, event.exam_id, event.data)
        if len(pipe):
            await pipe.execute()
