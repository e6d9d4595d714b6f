"""The grading queue: Redis Streams consumer group over every exam's grading stream.

Grader workers (``assessment_engine.worker``) and the overflow dispatcher share one consumer
group (``graders``) and this API: :meth:`GradingQueue.claim` jobs (crashed consumers' jobs
first, after the lease, then new ones), :meth:`~GradingQueue.load_work`, grade with the pure
grader, then :meth:`~GradingQueue.complete` (exactly one final result per submission and key
version, whoever grades it), :meth:`~GradingQueue.release` (hand back, e.g. Lambda throttled)
or :meth:`~GradingQueue.fail` (dead letter after ``max_deliveries``). Delivery is at least
once; a completed job is acknowledged and deleted from its stream, so a stream holds exactly
the jobs not yet completed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from assessment_engine.grading.submission import SubmissionGrade
from assessment_engine.storage import deadletters, keys, results
from assessment_engine.storage._redis import entry_time, text, text_map, utc_now
from assessment_engine.storage.events import publish_event, stable_event_id
from assessment_engine.storage.models import (
    ExamQueueStats,
    GradedBy,
    GradingJob,
    GradingWork,
    QueueStats,
    StoredResult,
)
from assessment_engine.storage.questions import load_questions
from assessment_engine.storage.submissions import get_submission

DEFAULT_GROUP = "graders"


class GradingQueue:
    """One consumer's (or dispatcher's) handle on the shared grading queue.

    ``lease_ms``: a delivered job not completed, released or extended within this time is
    handed to the next claimer (the consumer is presumed crashed). ``max_deliveries``: a job
    that failed this many times, or was delivered more often without completing, is moved to
    the exam's dead-letter stream.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        group: str = DEFAULT_GROUP,
        lease_ms: int = 30_000,
        max_deliveries: int = 5,
        *,
        streams_refresh_s: float = 1.0,
        reclaim_interval_ms: int | None = None,
    ) -> None:
        if lease_ms < 1 or max_deliveries < 1:
            raise ValueError("lease_ms and max_deliveries must be positive")
        self.redis = redis
        self.group = group
        self.lease_ms = lease_ms
        self.max_deliveries = max_deliveries
        self._refresh_s = streams_refresh_s
        self._reclaim_every_s = (reclaim_interval_ms or max(50, min(1000, lease_ms // 4))) / 1000
        self._streams: list[str] = []
        self._grouped: set[str] = set()
        self._refreshed_at = float("-inf")
        self._reclaimed_at = float("-inf")
        self._cursors: dict[str, str] = {}
        self._buffer: list[GradingJob] = []
        self._rotation = 0
        self.dead_lettered = 0
        """Jobs this handle moved to a dead-letter stream (for the metrics exporter)."""

    # ---- claiming ---------------------------------------------------------------------
    async def streams(self, force: bool = False) -> list[str]:
        """Registered grading streams, each with the consumer group created (from id 0)."""
        now = time.monotonic()
        if force or now - self._refreshed_at >= self._refresh_s:
            members = sorted(text(s) for s in await self.redis.smembers(keys.GRADING_STREAMS))
            for stream in members:
                if stream not in self._grouped:
                    await self._create_group(stream)
            self._streams = members
            self._refreshed_at = now
        return self._streams

    async def _create_group(self, stream: str) -> None:
        try:
            await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._grouped.add(stream)

    def _forget_groups(self) -> None:
        self._grouped.clear()
        self._refreshed_at = float("-inf")

    async def claim(
        self, consumer: str, count: int, block_ms: int = 1000, *, reclaim: bool = True
    ) -> list[GradingJob]:
        """Up to ``count`` jobs for ``consumer``: expired leases first, then new jobs.

        Waits up to ``block_ms`` for new jobs when none is ready. Jobs delivered more than
        ``max_deliveries`` times (their consumers kept crashing) are dead-lettered, not
        returned. ``reclaim=False`` takes only new jobs (a dispatcher leaving released and
        crashed jobs to the cluster workers).
        """
        if count < 1:
            return []
        jobs = self._take_buffer(consumer, count)
        if reclaim and len(jobs) < count:
            jobs += await self._reclaim(consumer, count - len(jobs))
        if len(jobs) < count:
            jobs += await self._read_new(consumer, count - len(jobs), 0 if jobs else block_ms)
        return jobs

    def _take_buffer(self, consumer: str, count: int) -> list[GradingJob]:
        mine = [j for j in self._buffer if j.consumer == consumer][:count]
        self._buffer = [j for j in self._buffer if j not in mine]
        return mine

    async def _reclaim(self, consumer: str, count: int) -> list[GradingJob]:
        now = time.monotonic()
        if now - self._reclaimed_at < self._reclaim_every_s:
            return []
        self._reclaimed_at = now
        jobs: list[GradingJob] = []
        for stream in await self.streams():
            if len(jobs) >= count:
                break
            jobs += await self._reclaim_stream(stream, consumer, count - len(jobs))
        return jobs

    async def _reclaim_stream(self, stream: str, consumer: str, count: int) -> list[GradingJob]:
        try:
            reply: Any = await self.redis.xautoclaim(
                stream,
                self.group,
                consumer,
                self.lease_ms,
                start_id=self._cursors.get(stream, "0-0"),
                count=count,
            )
        except ResponseError as exc:
            if "NOGROUP" in str(exc):
                self._forget_groups()
                return []
            raise
        self._cursors[stream] = text(reply[0])
        entries = [(text(eid), fields) for eid, fields in reply[1] if fields]
        if not entries:
            return []
        counts = await self._delivery_counts(stream, consumer, [eid for eid, _ in entries])
        jobs: list[GradingJob] = []
        for eid, fields in entries:
            job = self._job(stream, eid, fields, consumer, counts.get(eid, 2))
            if job.deliveries > self.max_deliveries:
                message = (
                    f"delivered {job.deliveries} times without completing "
                    "(consumers crashed or leases expired)"
                )
                await self._dead_letter(job, message, force=True)
            else:
                jobs.append(job)
        return jobs

    async def _delivery_counts(
        self, stream: str, consumer: str, entry_ids: Sequence[str]
    ) -> dict[str, int]:
        """Delivery counts of just-claimed entries (one XPENDING range, exact per-id fallback)."""
        pending = await self.redis.xpending_range(
            stream,
            self.group,
            min=min(entry_ids, key=_id_key),
            max=max(entry_ids, key=_id_key),
            count=len(entry_ids) * 4 + 10,
            consumername=consumer,
        )
        counts = {text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        for entry_id in entry_ids:
            if entry_id not in counts:  # the range held more of this consumer's entries
                one = await self.redis.xpending_range(
                    stream, self.group, min=entry_id, max=entry_id, count=1
                )
                if one:
                    counts[entry_id] = int(one[0]["times_delivered"])
        return counts

    async def _read_new(self, consumer: str, count: int, block_ms: int) -> list[GradingJob]:
        """New entries from every stream, fairly split; waits only while nothing was found.

        The first read takes at least one entry per stream, so with fewer slots than streams it
        may get more than ``count``; the surplus is kept for this consumer's next claim.
        """
        streams = await self.streams()
        if not streams:
            return []
        self._rotation = (self._rotation + 1) % len(streams)
        ordered = streams[self._rotation :] + streams[: self._rotation]
        jobs: list[GradingJob] = []
        for attempt in range(4):
            remaining = count - len(jobs)
            # First read: every stream (fair, may overshoot when count < streams); later reads
            # top up from at most ``remaining`` streams so they never overshoot.
            subset = ordered if attempt == 0 else ordered[:remaining]
            per_stream = max(1, remaining // len(subset))
            got = await self._xreadgroup(consumer, subset, per_stream, 0 if jobs else block_ms)
            jobs += got
            if len(jobs) >= count or not got:
                break
        self._buffer += jobs[count:]
        return jobs[:count]

    async def _xreadgroup(
        self, consumer: str, streams: list[str], per_stream: int, block_ms: int
    ) -> list[GradingJob]:
        try:
            reply: Any = await self.redis.xreadgroup(
                self.group,
                consumer,
                dict.fromkeys(streams, ">"),
                count=per_stream,
                block=block_ms or None,
            )
        except ResponseError as exc:
            if "NOGROUP" in str(exc):
                self._forget_groups()
                return []
            raise
        return [
            self._job(text(stream), text(eid), fields, consumer, 1)
            for stream, entries in reply or []
            for eid, fields in entries
            if fields
        ]

    @staticmethod
    def _job(stream: str, entry_id: str, fields: Any, consumer: str, deliveries: int) -> GradingJob:
        f = text_map(fields)
        return GradingJob(
            stream=stream,
            entry_id=entry_id,
            exam_id=f["exam_id"],
            submission_id=f["submission_id"],
            key_version=int(f["key_version"]),
            deliveries=max(1, deliveries),
            enqueued_at=datetime.fromisoformat(f["enqueued_at"]),
            consumer=consumer,
        )

    async def extend(self, jobs: Iterable[GradingJob]) -> None:
        """Heartbeat: restart the lease of in-flight jobs (no delivery is counted)."""
        by_stream: dict[tuple[str, str], list[Any]] = {}
        for job in jobs:
            by_stream.setdefault((job.stream, job.consumer), []).append(job.entry_id)
        for (stream, consumer), ids in by_stream.items():
            await self.redis.xclaim(stream, self.group, consumer, 0, ids, justid=True)

    # ---- working ------------------------------------------------------------------------
    async def load_work(self, job: GradingJob) -> GradingWork:
        """The submission and the question bank of the job's key version (pure-grader input).

        Raises ``SubmissionNotFoundError`` / ``QuestionsNotFoundError``: the caller fails the
        job (``fail``), which dead-letters it after ``max_deliveries``.
        """
        submission = await get_submission(self.redis, job.exam_id, job.submission_id)
        bank = await load_questions(self.redis, job.exam_id, job.key_version)
        return GradingWork(
            exam_id=job.exam_id,
            submission_id=job.submission_id,
            attempt_id=submission.attempt_id,
            student_id=submission.student_id,
            key_version=job.key_version,
            answers=submission.answers,
            question_ids=submission.question_ids,
            questions={qid: bank[qid] for qid in submission.question_ids if qid in bank},
            received_at=submission.received_at,
        )

    async def complete(
        self,
        job: GradingJob,
        work: GradingWork,
        result: SubmissionGrade,
        graded_by: GradedBy,
        grader_id: str,
    ) -> bool:
        """Store the final result, publish ``submission.graded``, ack; True iff this call wrote it.

        ``work`` is what :meth:`load_work` returned for ``job`` (the submission is not read
        again). Idempotency key: (submission_id, key_version). Any number of calls for the same
        pair, from workers or Lambda, store one result and publish one event (event id
        ``stable_event_id(exam, submission, key_version, "graded")``); every call acks the job.
        The event is published before the job is acked, so a crash in between leaves the job
        pending; the next grader finds the orphaned result and publishes its event.
        """
        total, max_total, questions = results.summarise(result, work.answers, work.question_ids)
        stored = StoredResult(
            exam_id=job.exam_id,
            submission_id=job.submission_id,
            attempt_id=work.attempt_id,
            student_id=work.student_id,
            key_version=job.key_version,
            total=total,
            max_total=max_total,
            questions=questions,
            grade=result,
            graded_by=graded_by,
            grader_id=grader_id,
            graded_at=utc_now(),
            received_at=work.received_at,
        )
        outcome = await results.write_result(self.redis, stored, self.lease_ms)
        if outcome != "exists":
            await self._publish_graded(stored)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(job.stream, self.group, job.entry_id)
            pipe.xdel(job.stream, job.entry_id)
            pipe.hdel(keys.failures(job.exam_id), job.entry_id)
            await pipe.execute()
        return outcome == "written"

    async def _publish_graded(self, stored: StoredResult) -> None:
        exam, sid, kv = stored.exam_id, stored.submission_id, stored.key_version
        await publish_event(
            self.redis,
            "submission.graded",
            exam,
            {
                "submission_id": sid,
                "attempt_id": stored.attempt_id,
                "student_id": stored.student_id,
                "key_version": kv,
                "total": stored.total,
                "max_total": stored.max_total,
                "graded_by": stored.graded_by,
                "questions": [q.model_dump(mode="json") for q in stored.questions],
            },
            event_id=stable_event_id(exam, sid, kv, "graded"),
        )
        await results.mark_event_published(self.redis, exam, sid, kv)

    async def release(self, job: GradingJob) -> None:
        """Hand the job back at once (e.g. Lambda throttled); the next claim with reclaim gets it.

        The entry stays pending (nothing lost, nothing duplicated): its idle time is pushed past
        the lease so the next ``claim`` reclaims it, and its delivery count is lowered by one so
        the hand-back does not count towards ``max_deliveries``.
        """
        await self.redis.xclaim(
            job.stream,
            self.group,
            job.consumer,
            0,
            [job.entry_id],
            idle=self.lease_ms + 60_000,
            retrycount=max(0, job.deliveries - 1),
            justid=True,
        )
        self._reclaimed_at = float("-inf")

    @property
    def read_ahead(self) -> int:
        """Jobs claimed into this handle's buffer but not yet handed out by :meth:`claim`.

        ``claim`` reads at least one job per exam stream, so with more exams than the count
        asked for, jobs wait here; they are this consumer's in the group until handed back.
        """
        return len(self._buffer)

    async def hand_back_read_ahead(self) -> int:
        """Release every read-ahead job at once (see :meth:`release`); how many there were.

        No Redis call when there are none. The dispatcher calls this whenever it stops
        spilling, so cluster workers get those jobs now rather than after the lease.
        """
        buffered, self._buffer = self._buffer, []
        for job in buffered:
            await self.release(job)
        return len(buffered)

    async def close(self) -> None:
        """Hand back the read-ahead jobs (shutdown)."""
        await self.hand_back_read_ahead()

    async def fail(self, job: GradingJob, error: str, retry_in_ms: int = 1000) -> bool:
        """Count a failed grading of ``job``; True if it was moved to the dead-letter stream.

        Idempotency key: the stream entry id. Below ``max_deliveries`` the job stays pending
        and becomes claimable again after ``retry_in_ms`` (never later than the lease).
        """
        if await self._dead_letter(job, error, force=False):
            return True
        idle = max(0, self.lease_ms - retry_in_ms)
        await self.redis.xclaim(
            job.stream, self.group, job.consumer, 0, [job.entry_id], idle=idle, justid=True
        )
        return False

    async def _dead_letter(self, job: GradingJob, error: str, *, force: bool) -> bool:
        moved = await deadletters.record_failure(
            self.redis, job, self.group, error, self.max_deliveries, force=force
        )
        if moved:
            self.dead_lettered += 1
        return moved

    # ---- reading --------------------------------------------------------------------------
    async def stats(self, exam_ids: Iterable[str] | None = None) -> QueueStats:
        """Queue length, pending, oldest age and dead letters, in total and per exam.

        ``exam_ids``: only these exams (the proctor's live monitor); default every registered
        grading stream. Read-only: creates no consumer group.
        """
        if exam_ids is None:
            members = await self.redis.smembers(keys.GRADING_STREAMS)
            streams = sorted(text(s) for s in members)
        else:
            streams = [keys.grading_stream(e) for e in exam_ids]
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream in streams:
                exam_id = keys.exam_id_of_stream(stream)
                pipe.xlen(stream)
                pipe.xpending(stream, self.group)
                pipe.xrange(stream, count=1)
                pipe.xlen(keys.dead_letters(exam_id))
            replies = await pipe.execute(raise_on_error=False)
        now = utc_now()
        exams: list[ExamQueueStats] = []
        for i, stream in enumerate(streams):
            length, pending_reply, first, dead = replies[4 * i : 4 * i + 4]
            pending = 0 if isinstance(pending_reply, Exception) else int(pending_reply["pending"])
            oldest = (now - entry_time(text(first[0][0]))).total_seconds() if first else 0.0
            exams.append(
                ExamQueueStats(
                    exam_id=keys.exam_id_of_stream(stream),
                    length=max(0, int(length) - pending),
                    pending=pending,
                    oldest_pending_age_seconds=max(0.0, oldest),
                    dead_letters=int(dead),
                )
            )
        return QueueStats(
            length=sum(e.length for e in exams),
            pending=sum(e.pending for e in exams),
            oldest_pending_age_seconds=max(
                (e.oldest_pending_age_seconds for e in exams), default=0.0
            ),
            dead_letters=sum(e.dead_letters for e in exams),
            exams=exams,
        )


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)
