"""The HTTP load generator, run in its own process: students submitting to the real API.

``python -m benchmarks.ingest.loadgen PLAN.json OUT.json``: the plan names the API, the exam,
one bearer token per student and the mode; the output holds one sample per request.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import aiohttp
import uvloop

from benchmarks.ingest.schedule import closed_loop, errors, open_loop


async def run(plan: dict[str, object]) -> dict[str, object]:
    tokens: list[str] = plan["tokens"]  # type: ignore[assignment]
    url = f"{plan['base_url']}/v1/exams/{plan['exam_id']}/attempt/submit"
    body = json.dumps({"final_answers": {"q1": {"seq": 1, "answer": True}}})
    connector = aiohttp.TCPConnector(limit=int(plan["connections"]))  # type: ignore[call-overload]
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def send(i: int) -> int:
            headers = {
                "Authorization": f"Bearer {tokens[i]}",
                "Idempotency-Key": f"submit-{i}",
                "Content-Type": "application/json",
            }
            async with session.post(url, data=body, headers=headers) as response:
                text = await response.read()
                if response.status != 202 and len(errors) < 5:
                    errors.append(f"{response.status}: {text[:300]!r}")
                return response.status

        if plan["mode"] == "open":
            samples, wall = await open_loop(send, len(tokens), float(plan["duration_s"]))  # type: ignore[arg-type]
        else:
            samples, wall = await closed_loop(send, len(tokens), int(plan["connections"]))  # type: ignore[call-overload]
    return {"samples": samples, "wall_s": wall, "errors": errors[:5]}


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    result = uvloop.run(run(plan))
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
