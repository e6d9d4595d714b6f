"""Exam-day arrival traces: synthetic platform days, the local surge run, or a recorded trace.

A scenario is a list of exams (open time, duration, candidates, how hard the deadline rush is).
`arrivals(scenario, dt, seed)` turns it into submissions per tick: deterministic for a seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class ExamSpec(BaseModel):
    """One scheduled exam as the simulator sees it (times in seconds from the trace start)."""

    model_config = ConfigDict(frozen=True)

    exam_id: str
    opens_at_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    candidates: int = Field(ge=0)
    rush_share: float = Field(
        default=0.6, ge=0, le=1, description="Share of candidates who submit in the final rush."
    )
    rush_window_s: float = Field(default=120.0, gt=0, description="Length of the final rush.")
    work_scale: float = Field(default=1.0, gt=0, description="Grading work relative to baseline.")

    @property
    def closes_at_s(self) -> float:
        return self.opens_at_s + self.duration_s


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    horizon_s: float = Field(gt=0)
    exams: tuple[ExamSpec, ...]
    registered_users: int = 0

    @property
    def total_candidates(self) -> int:
        return sum(e.candidates for e in self.exams)

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2))

    @classmethod
    def load(cls, path: Path) -> Scenario:
        return cls.model_validate(json.loads(path.read_text()))


def local_surge(
    students: int,
    duration_s: float,
    *,
    rush_share: float = 0.8,
    rush_window_s: float | None = None,
    tail_s: float = 120.0,
) -> Scenario:
    """The local surge run: one exam, everyone starts together and most rush the deadline."""
    window = rush_window_s if rush_window_s is not None else max(5.0, duration_s * 0.25)
    exam = ExamSpec(
        exam_id="surge",
        opens_at_s=0.0,
        duration_s=duration_s,
        candidates=students,
        rush_share=rush_share,
        rush_window_s=min(window, duration_s),
    )
    return Scenario(name=f"local-surge-{students}", horizon_s=duration_s + tail_s, exams=(exam,))


def platform_day(
    *,
    registered_users: int = 10_000_000,
    exams: int = 400,
    seed: int = 7,
    peak_hours: tuple[float, ...] = (9.0, 11.0, 14.0, 16.0),
    participation: float = 0.05,
) -> Scenario:
    """A synthetic platform-sized exam day.

    ``exams`` exams clustered around ``peak_hours`` (exams start on the hour or half hour, as
    timetables do), candidate counts log-normal (median ~300, long tail), about
    ``participation`` of registered users sitting an exam that day.
    """
    rng = np.random.default_rng(seed)
    target_candidates = registered_users * participation
    raw = rng.lognormal(mean=np.log(300), sigma=1.0, size=exams)
    counts = np.maximum(5, np.round(raw * target_candidates / raw.sum())).astype(int)
    specs = []
    for i, count in enumerate(counts):
        hour = (
            float(rng.choice(peak_hours))
            + float(rng.choice([0.0, 0.5]))
            + float(rng.choice([0.0, 1.0, -1.0], p=[0.7, 0.15, 0.15]))
        )
        duration = float(rng.choice([1800.0, 3600.0, 5400.0, 7200.0], p=[0.2, 0.4, 0.25, 0.15]))
        specs.append(
            ExamSpec(
                exam_id=f"exam-{i:04d}",
                opens_at_s=max(0.0, hour * 3600.0),
                duration_s=duration,
                candidates=int(count),
                rush_share=float(rng.uniform(0.4, 0.8)),
                rush_window_s=float(rng.choice([60.0, 120.0, 300.0])),
                work_scale=float(rng.choice([0.5, 1.0, 3.0], p=[0.3, 0.5, 0.2])),
            )
        )
    horizon = max(s.closes_at_s for s in specs) + 1800.0
    return Scenario(
        name=f"platform-{registered_users // 1_000_000}M-{exams}exams",
        horizon_s=horizon,
        exams=tuple(specs),
        registered_users=registered_users,
    )


def arrivals(scenario: Scenario, dt: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Submissions per tick and grading work per tick (in baseline-submission units).

    Early finishers arrive uniformly over the exam; the rush arrives in the final window with a
    density rising exponentially toward the deadline. Counts are Poisson-sampled per tick around
    those densities but rescaled so each exam delivers exactly its candidate count; where the
    sample is empty (a cohort of one or a few), the expected densities themselves are used, so
    every cohort size is delivered in full.
    """
    ticks = int(np.ceil(scenario.horizon_s / dt))
    counts = np.zeros(ticks)
    work = np.zeros(ticks)
    rng = np.random.default_rng(seed)
    for exam in scenario.exams:
        if exam.candidates == 0:
            continue
        start = int(exam.opens_at_s // dt)
        end = min(ticks, max(start + 1, int(np.ceil(exam.closes_at_s / dt))))
        n = end - start
        t = (np.arange(n) + 0.5) * dt
        early = np.full(n, (1 - exam.rush_share) / n)
        rush_start = exam.duration_s - exam.rush_window_s
        in_rush = t >= rush_start
        rush_density = np.where(in_rush, np.exp(3.0 * (t - rush_start) / exam.rush_window_s), 0.0)
        total = rush_density.sum()
        rush = rush_density / total * exam.rush_share if total > 0 else 0.0
        expected = (early + rush) * exam.candidates
        sampled = rng.poisson(expected).astype(float)
        if sampled.sum() == 0:  # nobody drawn: a small cohort still arrives, as a fluid
            sampled = expected
        sampled *= exam.candidates / sampled.sum()
        counts[start:end] += sampled
        work[start:end] += sampled * exam.work_scale
    return counts, work
