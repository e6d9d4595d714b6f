"""Item-analysis inputs and report models (pydantic), shared by the pure core, store and routes.

``ResponseRow`` is what the consumer keeps per student (their first attempt's graded questions);
``ItemAnalysisReport`` is what ``itemstats.analyse`` returns and the API serves as JSON/CSV/PNG.
All percentages are 0..100 as in Moodle's statistics report.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class GradedItem(BaseModel):
    question_id: str
    type: str
    score: float
    max_score: float
    status: str = ""
    response: Any = None


class ResponseRow(BaseModel):
    """One student's first attempt, at the highest key version graded so far."""

    student_id: str
    attempt_id: str
    submission_id: str
    key_version: int
    questions: list[GradedItem]


class Thresholds(BaseModel):
    """Flag thresholds (Blackboard Ultra's stated values, see docs/platform-services.md)."""

    too_easy_facility_above: float = Field(default=80.0, description="percent")
    too_hard_facility_below: float = Field(default=30.0, description="percent")
    discrimination_below: float = Field(
        default=10.0, description="discrimination index, percent (0.1 as a correlation)"
    )
    non_functional_distractor_below: float = Field(
        default=5.0, description="percent of students choosing a distractor"
    )


class OptionStats(BaseModel):
    option: str
    count: int
    percent: float
    upper_count: int
    upper_percent: float
    lower_count: int
    lower_percent: float
    mean_score_percent: float = Field(description="Mean item score of the students choosing it.")
    likely_key: bool = Field(description="Its choosers score at least half marks on average.")
    point_biserial: float | None = Field(description="Choosing it (0/1) vs rest-of-test score.")
    non_functional: bool


class ItemStats(BaseModel):
    question_id: str
    type: str
    position: int
    attempts: int = Field(description="Students (first attempts) who got this item.")
    max_score: float
    mean_score: float
    facility: float | None = Field(description="Mean score / max score, percent.")
    sd: float | None = Field(description="Sample SD of the score, percent of max score.")
    discrimination_index: float | None = Field(
        description="100 * corrected item-rest correlation (Moodle)."
    )
    discriminative_efficiency: float | None = Field(
        description="100 * cov(item, rest) / max cov for these marginals (Moodle)."
    )
    intended_weight: float | None = None
    effective_weight: float | None = None
    flags: list[str] = Field(default_factory=list)
    distractors: list[OptionStats] | None = None


class ExamStats(BaseModel):
    students: int
    items: int
    max_total: float
    mean: float | None
    median: float | None
    sd: float | None
    mean_percent: float | None
    sd_percent: float | None
    skewness: float | None
    kurtosis: float | None
    cronbach_alpha: float | None = Field(description="= Moodle's CIC / 100.")
    cic: float | None = Field(description="Coefficient of internal consistency, percent.")
    kr20: float | None = Field(description="Only when every item is scored 0 or full marks.")
    error_ratio: float | None = Field(description="100 * sqrt(1 - CIC/100), percent.")
    standard_error: float | None = Field(description="SEM = ER * SD / 100, in score units.")
    notes: list[str] = Field(default_factory=list)


class ItemAnalysisReport(BaseModel):
    exam_id: str
    generated_at: str
    first_attempts_only: bool = True
    thresholds: Thresholds
    test: ExamStats
    items: list[ItemStats]
    totals: list[float] = Field(description="Each student's total, for the histogram.")
