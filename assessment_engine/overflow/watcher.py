"""Follows the operator's decision record for one grading queue (poll + pub/sub notices).

Used by ``dispatcher.Dispatcher``. ``observe`` is pure bookkeeping (ignore lower generations);
``run`` polls the key at least every ``poll_interval_s`` (≤ 1 s) and re-reads it at once when a
notice for this queue arrives on ``overflow:decision-notices``. ``effective(now)`` applies the
reader rules of ``docs/decision-record.md`` through ``decision_record.effective_mode``: a
missing or expired record means the outage behaviour, never spilling forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Any

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
        self.changed = asyncio.Event()

    def observe(self, record: DecisionRecord | None) -> bool:
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
            self.changed.set()
        return changed

    def effective(self, now: datetime) -> tuple[Mode, str]:
        return effective_mode(self.record, now, self.on_missing)

    async def refresh(self) -> None:
        try:
            record = await read_decision(self.redis, self.queue)
        except ValidationError as exc:
            log.error("unreadable decision record for %s: %s", self.queue, exc)
            record = None
        self.observe(record)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll and listen until ``stop`` is set (errors are logged; polling continues)."""
        listener = asyncio.create_task(self._listen(stop))
        try:
            while not stop.is_set():
                try:
                    await self.refresh()
                except Exception:  # keep polling through Redis hiccups
                    log.exception("decision poll failed")
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
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    continue
                try:
                    notice = json.loads(message["data"])
                except (TypeError, ValueError):
                    continue
                if notice.get("queue") == self.queue:
                    await self.refresh()
        except Exception:  # polling still covers us
            log.exception("decision notice listener stopped; relying on polling")
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
