"""Simulated students for the surge run: they start together, autosave, and rush the deadline.

Everything goes through the real API over HTTP (dev-issuer tokens, admission control honoured
via Retry-After, autosaves with client sequence numbers, submit with an Idempotency-Key). The
generator records every acknowledgement (202) with its latency; the audit later checks that
each acknowledged submission was graded exactly once.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

from assessment_engine.grading.models import Question
from exam_stack.surge.answers import answer_for


@dataclass
class StudentStats:
    """What the load generator saw; read by the live view while the run goes on."""

    started: int = 0
    autosaves: int = 0
    submitted: int = 0
    throttled_starts: int = 0
    errors: int = 0
    ack_latencies: list[float] = field(default_factory=list)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def ack_percentile(self, q: float) -> float:
        return float(np.percentile(self.ack_latencies, q)) if self.ack_latencies else float("nan")

    def note_error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(what)


@dataclass(frozen=True)
class StudentPlan:
    student_id: str
    submit_at_s: float  # seconds after the exam opens; None-like negative = never submits
    autosave_at_s: tuple[float, ...]
    skill: float


def plan_students(
    n: int,
    duration_s: float,
    *,
    seed: int,
    rush_share: float = 0.8,
    rush_window_s: float | None = None,
    abandon_share: float = 0.03,
    autosaves: int = 3,
) -> list[StudentPlan]:
    """Submit times: ``rush_share`` in the final window (density rising toward the deadline),
    the rest spread over the exam; ``abandon_share`` never submit (the server auto-submits)."""
    rng = np.random.default_rng(seed)
    window = rush_window_s if rush_window_s is not None else max(3.0, duration_s * 0.25)
    plans = []
    for i in range(n):
        if rng.random() < abandon_share:
            submit = -1.0
        elif rng.random() < rush_share:
            # exponential density rising toward the deadline, truncated to the window
            u = rng.random()
            submit = duration_s - window * (-np.log1p(-u * (1 - np.exp(-3.0))) / 3.0)
        else:
            submit = rng.uniform(0.2 * duration_s, duration_s - window)
        horizon = submit if submit > 0 else duration_s
        saves = tuple(sorted(rng.uniform(0.5, max(0.6, horizon - 0.2), size=autosaves)))
        plans.append(
            StudentPlan(
                f"student-{i:05d}",
                float(min(submit, duration_s - 0.05)),
                saves,
                float(rng.uniform(0.3, 0.95)),
            )
        )
    return plans


class StudentSwarm:
    """Runs every planned student against the API at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        exam_id: str,
        questions: dict[str, Question],
        code_solutions: dict[str, str],
        stats: StudentStats,
        *,
        seed: int,
        max_connections: int = 200,
    ) -> None:
        self.base_url = base_url
        self.exam_id = exam_id
        self.questions = questions
        self.code_solutions = code_solutions
        self.stats = stats
        self.seed = seed
        self.limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )

    async def mint_tokens(self, client: httpx.AsyncClient, ids: list[str]) -> dict[str, str]:
        sem = asyncio.Semaphore(32)

        async def one(sub: str) -> tuple[str, str]:
            async with sem:
                r = await client.post("/v1/dev/tokens", json={"sub": sub, "role": "student"})
                r.raise_for_status()
                return sub, str(r.json()["access_token"])

        return dict(await asyncio.gather(*(one(s) for s in ids)))

    async def run(self, plans: list[StudentPlan], opens_at_monotonic: float) -> None:
        timeout = httpx.Timeout(30.0, connect=10.0)
        async with httpx.AsyncClient(
            base_url=self.base_url, limits=self.limits, timeout=timeout
        ) as client:
            tokens = await self.mint_tokens(client, [p.student_id for p in plans])
            await asyncio.gather(
                *(self._student(client, p, tokens[p.student_id], opens_at_monotonic) for p in plans)
            )

    async def _sleep_until(self, t: float) -> None:
        delay = t - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _student(
        self, client: httpx.AsyncClient, plan: StudentPlan, token: str, t0: float
    ) -> None:
        rng = random.Random(f"{self.seed}:{plan.student_id}")
        headers = {"Authorization": f"Bearer {token}"}
        base = f"/v1/exams/{self.exam_id}"
        await self._sleep_until(t0 + rng.uniform(0, 1.0))
        try:
            if not await self._start(client, base, headers):
                return
            r = await client.get(f"{base}/attempt/questions", headers=headers)
            r.raise_for_status()
            order = [q["id"] for q in r.json()["questions"]]
            answers = {
                qid: answer_for(self.questions[qid], plan.skill, rng, self.code_solutions)
                for qid in order
                if qid in self.questions
            }
            seq = 0
            for at in plan.autosave_at_s:
                await self._sleep_until(t0 + at)
                qid = rng.choice(order)
                seq += 1
                r = await client.put(
                    f"{base}/attempt/answers/{qid}",
                    headers=headers,
                    json={"seq": seq, "answer": answers.get(qid)},
                )
                if r.status_code == 200:
                    self.stats.autosaves += 1
                else:
                    self.stats.note_error(f"autosave {r.status_code}: {r.text[:120]}")
            if plan.submit_at_s < 0:
                return  # abandons: the server auto-submits the saved answers at the deadline
            await self._sleep_until(t0 + plan.submit_at_s)
            seq += 1
            final = {qid: {"seq": seq, "answer": a} for qid, a in answers.items() if a is not None}
            await self._submit(client, base, headers, plan.student_id, final)
        except httpx.HTTPError as exc:
            self.stats.note_error(f"{plan.student_id}: {type(exc).__name__}: {exc}")

    async def _start(self, client: httpx.AsyncClient, base: str, headers: dict[str, str]) -> bool:
        for _ in range(60):
            r = await client.post(f"{base}/attempt", headers=headers)
            if r.status_code in (200, 201):
                self.stats.started += 1
                return True
            if r.status_code == 429:
                self.stats.throttled_starts += 1
                await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            self.stats.note_error(f"start {r.status_code}: {r.text[:120]}")
            return False
        self.stats.note_error("start: still throttled after 60 tries")
        return False

    async def _submit(
        self,
        client: httpx.AsyncClient,
        base: str,
        headers: dict[str, str],
        student_id: str,
        final: dict[str, Any],
    ) -> None:
        key = f"final-{student_id}"
        for attempt in range(5):
            sent = time.perf_counter()
            try:
                r = await client.post(
                    f"{base}/attempt/submit",
                    json={"final_answers": final},
                    headers={**headers, "Idempotency-Key": key},
                )
            except httpx.TransportError as exc:  # the same key makes a retry safe
                self.stats.note_error(f"submit transport error (try {attempt + 1}): {exc}")
                continue
            if r.status_code == 202:
                self.stats.ack_latencies.append(time.perf_counter() - sent)
                self.stats.submitted += 1
                self.stats.receipts[student_id] = r.json()
                return
            self.stats.note_error(f"submit {r.status_code}: {r.text[:160]}")
            return
