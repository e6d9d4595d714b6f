"""Follows the operator's decision record for one grading queue (pub/sub notices + polling).

Used by ``dispatcher.Dispatcher``. ``observe`` is pure bookkeeping (ignore lower generations;
every change bumps ``version``). ``run`` subscribes to ``overflow:decision-notices`` first, then
reads the key, and re-reads it at once whenever a notice for this queue arrives: that is how a
flip reaches the dispatcher within a Redis round trip. Polling every ``poll_interval_s`` (≤ 1 s)
stays as the fallback for a lost notice or a dropped subscription. ``wait_change(seen, within_s)``
returns as soon as ``version`` has moved past ``seen``, so a change that lands between a reader's
check and its wait is never lost (no clear-then-wait race). ``effective(now)`` applies the reader
rules of ``docs/decision-record.md`` through ``decision_record.effective_mode``: a missing or
expired record means the outage behaviour, never spilling forever. Each change is logged
(``decision changed``, with its generation, mode and source) and counted by source.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from assessment_engine.contracts.decision_record import (
    NOTICE_CHANNEL,
    DecisionRecord,
    Mode,
    OnExpiry,
    effective_mode,
    read_decision,
)

log = logging.getLogger(__name__)

Source = Literal["start", "poll", "notice"]


class DecisionWatcher:
    def __init__(
        self, redis: Any, queue: str, on_missing: OnExpiry, poll_interval_s: float = 0.5
    ) -> None:
        self.redis = redis
        self.queue = queue
        self.on_missing: OnExpiry = on_missing
        self.poll_interval_s = poll_interval_s
        self.record: DecisionRecord | None = None
        self.highest_generation = -1
        self.version = 0
        """Bumped on every change of ``record``; readers wait for it to move."""
        self.changed = asyncio.Event()
        self.subscribed = asyncio.Event()
        """Set once the notice subscription is confirmed by Redis."""
        self.started = asyncio.Event()
        """Set after the first read of the key (whatever it found)."""
        self.reads: Counter[str] = Counter()
        """Key reads by what triggered them (``start``, ``poll``, ``notice``)."""
        self.changes: Counter[str] = Counter()
        """Changes of ``record`` by the read that found them."""

    def observe(self, record: DecisionRecord | None, source: Source = "poll") -> bool:
        """Take a freshly read record; return True if the current record changed."""
        if record is None:
            changed = self.record is not None
            self.record = None
        elif record.generation < self.highest_generation:
            log.warning(
                "ignoring stale decision generation %d < %d",
                record.generation,
                self.highest_generation,
            )
            return False
        else:
            changed = self.record != record
            self.record = record
            self.highest_generation = record.generation
        if changed:
            self.version += 1
            self.changes[source] += 1
            log.info(
                "decision changed",
                extra={
                    "event": "decision_changed",
                    "queue": self.queue,
                    "generation": record.generation if record else None,
                    "mode": record.mode if record else None,
                    "source": source,
                },
            )
            self.changed.set()
        return changed

    def effective(self, now: datetime) -> tuple[Mode, str]:
        return effective_mode(self.record, now, self.on_missing)

    async def wait_change(self, seen: int, within_s: float) -> bool:
        """Wait until ``version`` differs from ``seen`` (True) or ``within_s`` pass (False)."""
        if self.version != seen:
            return True
        self.changed.clear()  # no await between the check above and this: nothing can slip in
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), within_s)
        return self.version != seen

    async def refresh(self, source: Source = "poll") -> None:
        self.reads[source] += 1
        try:
            record = await read_decision(self.redis, self.queue)
        except ValidationError as exc:
            log.error("unreadable decision record for %s: %s", self.queue, exc)
            record = None
        self.observe(record, source)

    async def run(self, stop: asyncio.Event) -> None:
        """Listen and poll until ``stop`` is set (errors are logged; polling continues).

        The first read waits (briefly) for the subscription, so that a notice published
        between that read and the subscription cannot be missed.
        """
        listener = asyncio.create_task(self._listen(stop))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.subscribed.wait(), self.poll_interval_s)
            source: Source = "start"
            while not stop.is_set():
                try:
                    await self.refresh(source)
                except Exception:  # keep polling through Redis hiccups
                    log.exception("decision poll failed")
                source = "poll"
                self.started.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_interval_s)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _listen(self, stop: asyncio.Event) -> None:
        pubsub = self.redis.pubsub()
        try:
            await pubsub.subscribe(NOTICE_CHANNEL)
            while not stop.is_set():
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message.get("type") == "subscribe":
                    self.subscribed.set()
                    continue
                if message.get("type") != "message":
                    continue
                try:
                    notice = json.loads(message["data"])
                except (TypeError, ValueError):
                    continue
                if isinstance(notice, dict) and notice.get("queue") == self.queue:
                    await self.refresh("notice")
        except Exception:  # polling still covers us
            log.exception("decision notice listener stopped; relying on polling")
        finally:
            self.subscribed.clear()
            with contextlib.suppress(Exception):
                await pubsub.aclose()
