"""Simulated students for the surge run: they start together, autosave, and rush the deadline.

Everything goes through the real API over HTTP (dev-issuer tokens, admission control honoured
via Retry-After, autosaves with client sequence numbers, submit with an Idempotency-Key). The
generator records every acknowledgement (202) with its latency; the audit later checks that
each acknowledged submission was graded exactly once.

Students behave as the real client does when something fails: a 503 (storage down), 429
(admission), 502/504 or a connection error is retried, the same request with the same
idempotency key and sequence number, after ``Retry-After`` or an exponential backoff with
jitter, until a deadline. That is what lets a chaos run kill the API or Redis mid-surge
without a student losing a submission.
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
    # retried requests by cause ("503", "429", "ConnectError", ...): what a failure cost students
    retries: dict[str, int] = field(default_factory=dict)

    def note_retry(self, cause: str) -> None:
        self.retries[cause] = self.retries.get(cause, 0) + 1
        if cause == "429":
            self.throttled_starts += 1  # admission control said "later"

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


RETRY_STATUSES = frozenset({429, 502, 503, 504})


class RetriesExhaustedError(Exception):
    """A request still failed (503/429/connection error) when the client's retry budget ran out."""


async def send_with_retry(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    stats: StudentStats,
    *,
    budget_s: float = 120.0,
    rng: random.Random | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request as the real client does: the identical request (same body, same
    Idempotency-Key) again on 429/502/503/504 or a connection error, after ``Retry-After`` or an
    exponential backoff (0.2 s doubling to 3 s, full jitter), until ``budget_s`` has passed."""
    rng = rng or random.Random()
    deadline = time.monotonic() + budget_s
    delay = 0.2
    while True:
        cause: str
        retry_after: float | None = None
        try:
            r = await client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            cause = type(exc).__name__
        else:
            if r.status_code not in RETRY_STATUSES:
                return r
            cause = str(r.status_code)
            header = r.headers.get("Retry-After")
            if header is not None:
                try:
                    retry_after = float(header)
                except ValueError:
                    retry_after = None
        if time.monotonic() >= deadline:
            raise RetriesExhaustedError(f"{method} {url}: still {cause} after {budget_s:g}s")
        stats.note_retry(cause)
        wait = retry_after if retry_after is not None else rng.uniform(0, delay)
        await asyncio.sleep(max(0.05, wait))
        delay = min(3.0, delay * 2)


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
                r = await send_with_retry(
                    client,
                    "POST",
                    "/v1/dev/tokens",
                    self.stats,
                    json={"sub": sub, "role": "student"},
                )
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
            r = await send_with_retry(
                client, "GET", f"{base}/attempt/questions", self.stats, rng=rng, headers=headers
            )
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
                r = await send_with_retry(
                    client,
                    "PUT",
                    f"{base}/attempt/answers/{qid}",
                    self.stats,
                    rng=rng,
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
            await self._submit(client, base, headers, plan.student_id, final, rng)
        except (httpx.HTTPError, RetriesExhaustedError) as exc:
            self.stats.note_error(f"{plan.student_id}: {type(exc).__name__}: {exc}")

    async def _start(self, client: httpx.AsyncClient, base: str, headers: dict[str, str]) -> bool:
        r = await send_with_retry(client, "POST", f"{base}/attempt", self.stats, headers=headers)
        if r.status_code in (200, 201):
            self.stats.started += 1
            return True
        self.stats.note_error(f"start {r.status_code}: {r.text[:120]}")
        return False

    async def _submit(
        self,
        client: httpx.AsyncClient,
        base: str,
        headers: dict[str, str],
        student_id: str,
        final: dict[str, Any],
        rng: random.Random | None = None,
    ) -> None:
        key = f"final-{student_id}"  # the same key on every retry makes the retry safe
        sent = time.perf_counter()
        r = await send_with_retry(
            client,
            "POST",
            f"{base}/attempt/submit",
            self.stats,
            rng=rng,
            json={"final_answers": final},
            headers={**headers, "Idempotency-Key": key},
        )
        if r.status_code == 202:
            self.stats.ack_latencies.append(time.perf_counter() - sent)
            self.stats.submitted += 1
            self.stats.receipts[student_id] = r.json()
            return
        self.stats.note_error(f"submit {r.status_code}: {r.text[:160]}")
