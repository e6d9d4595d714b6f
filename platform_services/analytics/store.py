"""Redis storage of analytics data: per-exam first-attempt rows and the computed report.

Called by ``analytics.consumer`` (rows) and ``analytics.reports`` (report). Keys carry the exam
as a hash tag so they stay with the exam on Redis Cluster:

* ``analytics:{<exam>}:rows``   hash ``student_id -> ResponseRow`` JSON;
* ``analytics:{<exam>}:report`` the latest ``ItemAnalysisReport`` JSON.

``upsert_row`` keeps a student's first attempt only (the first attempt id seen), replacing it
with a regrade of the same attempt at a higher or equal key version; idempotent per
(exam, student, attempt, key version), so redelivered events change nothing.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from platform_services.analytics.models import ItemAnalysisReport, ResponseRow

_UPSERT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local row = cjson.decode(current)
  if row['attempt_id'] ~= ARGV[2] then return 0 end
  if tonumber(row['key_version']) > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1
"""


def rows_key(exam_id: str) -> str:
    return f"analytics:{{{exam_id}}}:rows"


def report_key(exam_id: str) -> str:
    return f"analytics:{{{exam_id}}}:report"


class AnalyticsStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._upsert = redis.register_script(_UPSERT)

    async def upsert_row(self, exam_id: str, row: ResponseRow) -> bool:
        """Store the row if it is the student's first attempt; True if it changed."""
        written = await self._upsert(
            keys=[rows_key(exam_id)],
            args=[row.student_id, row.attempt_id, row.key_version, row.model_dump_json()],
        )
        return bool(written)

    async def rows(self, exam_id: str) -> list[ResponseRow]:
        raw = await self._redis.hvals(rows_key(exam_id))
        return [ResponseRow.model_validate_json(value) for value in raw]

    async def save_report(self, report: ItemAnalysisReport) -> None:
        await self._redis.set(report_key(report.exam_id), report.model_dump_json())

    async def report(self, exam_id: str) -> ItemAnalysisReport | None:
        raw = await self._redis.get(report_key(exam_id))
        return None if raw is None else ItemAnalysisReport.model_validate_json(raw)
