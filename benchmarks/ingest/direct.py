"""Baseline without HTTP: ``accept_submission`` called directly, in its own process.

``python -m benchmarks.ingest.direct PLAN.json OUT.json`` with the Redis URL, the number of
submissions and the mode (the same open/closed-loop drivers as the HTTP generator).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import uvloop

from assessment_engine.storage.client import create_redis
from assessment_engine.storage.models import NewSubmission
from assessment_engine.storage.submissions import accept_submission
from benchmarks.ingest.schedule import closed_loop, errors, open_loop


async def run(plan: dict[str, object]) -> dict[str, object]:
    redis = create_redis(str(plan["redis_url"]), max_connections=256, wait_timeout_s=60)
    exam_id = str(plan["exam_id"])
    n = int(plan["n"])  # type: ignore[call-overload]
    run_id = uuid.uuid4().hex[:6]

    async def send(i: int) -> int:
        await accept_submission(
            redis,
            NewSubmission(
                exam_id=exam_id,
                attempt_id=f"att-{run_id}-{i}",
                student_id=f"s{i}",
                idempotency_key=f"submit-{run_id}-{i}",
                answers={"q1": True, "q2": ["4"]},
                question_ids=["q1", "q2"],
                key_version=1,
            ),
        )
        return 202

    if plan["mode"] == "open":
        samples, wall = await open_loop(send, n, float(plan["duration_s"]))  # type: ignore[arg-type]
    else:
        samples, wall = await closed_loop(send, n, int(plan["connections"]))  # type: ignore[call-overload]
    await redis.aclose()
    return {"samples": samples, "wall_s": wall, "errors": errors[:5]}


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    Path(sys.argv[2]).write_text(json.dumps(uvloop.run(run(plan))))


if __name__ == "__main__":
    main()
