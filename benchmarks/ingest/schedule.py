"""Open- and closed-loop request drivers shared by the HTTP load generator and the direct run.

Open loop (a deadline surge): request *i* is due at ``i * duration / n``; latency is measured from
the due time, so a generator or server falling behind shows up as latency instead of being hidden
(no coordinated omission). Closed loop (capacity): ``concurrency`` clients submit back to back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Send = Callable[[int], Awaitable[int]]
"""Send request ``i``; return its status (202, or 0 for a transport error)."""

Sample = tuple[float, float, int]
"""(due offset s, latency s, status)."""

errors: list[str] = []
"""Transport errors seen by this process (status 0), for the report."""


async def open_loop(send: Send, n: int, duration_s: float) -> tuple[list[Sample], float]:
    """Fire ``n`` requests evenly over ``duration_s``; returns samples and wall time."""
    samples: list[Sample] = []
    start = time.perf_counter()
    interval = duration_s / n

    async def one(i: int, due: float) -> None:
        try:
            status = await send(i)
        except Exception as exc:
            status = 0
            errors.append(repr(exc))
        samples.append((due - start, time.perf_counter() - due, status))

    tasks = []
    for i in range(n):
        due = start + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return samples, time.perf_counter() - start


async def closed_loop(send: Send, n: int, concurrency: int) -> tuple[list[Sample], float]:
    """``concurrency`` clients send ``n`` requests in total as fast as answers come back."""
    samples: list[Sample] = []
    start = time.perf_counter()
    counter = iter(range(n))

    async def client() -> None:
        for i in counter:
            sent = time.perf_counter()
            try:
                status = await send(i)
            except Exception as exc:
                status = 0
                errors.append(repr(exc))
            samples.append((sent - start, time.perf_counter() - sent, status))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return samples, time.perf_counter() - start
