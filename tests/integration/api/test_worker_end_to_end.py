"""A whole exam through the API with a real ``assessment-engine worker`` process grading."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.api.conftest import CORRECT, Api

pytestmark = pytest.mark.slow


async def test_exam_graded_by_a_real_worker_process(
    api: Api, tmp_path: Path, redis_server_session
) -> None:
    exam_id = (await api.create_exam(roster=["s1", "s2", "s3"]))["exam_id"]
    expected = {}
    for i, student in enumerate(("s1", "s2", "s3")):
        await api.start(exam_id, student)
        right = list(CORRECT)[: i + 1]
        for seq, qid in enumerate(right, start=1):
            await api.save(exam_id, qid, seq, CORRECT[qid], student=student)
        assert (await api.submit(exam_id, student=student)).status_code == 202
        expected[student] = float(len(right))

    log = (tmp_path / "worker.log").open("wb")
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("assessment-engine")),
        "worker",
        "--worker-id",
        "w1",
        env={**os.environ, "ASSESSMENT_WORKER_REDIS_URL": redis_server_session.url},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        totals: dict[str, float] = {}
        for _ in range(300):
            totals = {}
            for student in expected:
                result = (
                    await api.client.get(
                        f"/v1/exams/{exam_id}/attempt/result", headers=api.token(student)
                    )
                ).json()
                if result["status"] == "graded":
                    totals[student] = result["total"]
            if len(totals) == len(expected):
                break
            await asyncio.sleep(0.1)
        assert totals == expected, (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), timeout=30)
    monitor = (
        await api.client.get(
            f"/v1/exams/{exam_id}/monitor", headers=api.token("proctor-1", "proctor")
        )
    ).json()
    assert (monitor["submitted"], monitor["graded"], monitor["grading_backlog"]) == (3, 3, 0)
