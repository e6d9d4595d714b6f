"""Classical item analysis with Moodle's quiz-statistics formulas (pure numpy, no I/O).

Called by ``analytics.reports``. Formulas (``question/classes/statistics/questions/calculator.php``
and the quiz statistics report; notes in ``reference/assessment-anchors.md`` section 6), all with
sample (n - 1) variances as Moodle computes them, over first attempts:

* facility ``F = mean(x) / max``; item ``SD`` as a percentage of the item's max;
* discrimination index ``DI = 100 cov(x, r) / sqrt(var x * var r)`` with ``r`` the rest of the
  test (total minus this item): a corrected item-rest correlation;
* discriminative efficiency ``DE = 100 cov(x, r) / cov_max``, ``cov_max`` the covariance of x
  and r each sorted ascending (the largest covariance these marginals allow);
* effective weight ``100 sqrt(cov(x, T)) / sum_j sqrt(cov(x_j, T))`` (undefined if any is < 0);
* CIC ``= 100 k/(k-1) (1 - sum var(x_i) / var(T))`` = Cronbach's alpha in percent; error ratio
  ``ER = 100 sqrt(1 - CIC/100)``; standard error ``SE = ER * SD / 100``;
* skewness and kurtosis from k-statistics, as Moodle does;
* KR-20 ``k/(k-1) (1 - sum max_i^2 p_i q_i / sigma^2_T)`` (population variance) when every item
  is scored 0 or full marks; it equals alpha there, computed the textbook way.

A student who did not get an item (random pools) is left out of that item's statistics (Moodle
counts per slot); alpha, KR-20 and SE then need a complete matrix and are reported as null.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from platform_services.analytics.distractors import CHOICE_TYPES, distractor_table
from platform_services.analytics.matrix import FloatArray, Matrix, build_matrix
from platform_services.analytics.models import (
    ExamStats,
    ItemAnalysisReport,
    ItemStats,
    ResponseRow,
    Thresholds,
)

EPS = 1e-12


def _cov(x: FloatArray, y: FloatArray) -> float:
    return float(((x - x.mean()) * (y - y.mean())).sum() / (len(x) - 1))


def item_statistics(
    matrix: Matrix, column: int, thresholds: Thresholds
) -> tuple[ItemStats, float | None]:
    """Statistics of one item; also returns cov(item, total) for the effective weights."""
    seen = ~np.isnan(matrix.scores[:, column])
    x = matrix.scores[seen, column]
    totals = matrix.totals[seen]
    rest = totals - x
    s, max_score = len(x), float(matrix.max_scores[column])
    facility = sd = di = de = cov_total = None
    if s > 0 and max_score > 0:
        facility = 100.0 * float(x.mean()) / max_score
    if s > 1:
        var_x, var_rest = float(x.var(ddof=1)), float(rest.var(ddof=1))
        cov = _cov(x, rest)
        cov_max = _cov(np.sort(x), np.sort(rest))
        cov_total = _cov(x, totals)
        if max_score > 0:
            sd = 100.0 * math.sqrt(var_x) / max_score
        if var_x * var_rest > EPS:
            di = 100.0 * cov / math.sqrt(var_x * var_rest)
        if abs(cov_max) > EPS:
            de = 100.0 * cov / cov_max
    stats = ItemStats(
        question_id=matrix.items[column],
        type=matrix.types[column],
        position=column + 1,
        attempts=s,
        max_score=max_score,
        mean_score=float(x.mean()) if s else 0.0,
        facility=facility,
        sd=sd,
        discrimination_index=di,
        discriminative_efficiency=de,
    )
    if matrix.types[column] in CHOICE_TYPES and s > 0:
        rows = [i for i in range(len(matrix.students)) if seen[i]]
        stats.distractors = distractor_table(
            matrix.types[column],
            [matrix.responses[i][column] for i in rows],
            x,
            totals,
            [matrix.students[i] for i in rows],
            max_score,
            thresholds.non_functional_distractor_below,
        )
    stats.flags = flags(stats, thresholds)
    return stats, cov_total


def flags(item: ItemStats, thresholds: Thresholds) -> list[str]:
    found: list[str] = []
    if item.facility is not None and item.facility > thresholds.too_easy_facility_above:
        found.append("too_easy")
    if item.facility is not None and item.facility < thresholds.too_hard_facility_below:
        found.append("too_hard")
    di = item.discrimination_index
    if item.attempts > 1 and (di is None or di < thresholds.discrimination_below):
        found.append("non_discriminating")
    if di is not None and di < 0:
        found.append("negative_discrimination")
    for option in item.distractors or []:
        if option.likely_key and option.lower_count > option.upper_count:
            found.append("key_chosen_more_by_lower_group")
            break
    if any(option.non_functional for option in item.distractors or []):
        found.append("non_functional_distractors")
    return found


def _moments(totals: FloatArray) -> tuple[float | None, float | None]:
    """Skewness and kurtosis from k-statistics (Moodle's quiz statistics)."""
    s = len(totals)
    d = totals - totals.mean()
    m2, m3, m4 = (float((d**p).sum() / s) for p in (2, 3, 4))
    k2 = s * m2 / (s - 1) if s > 1 else 0.0
    if k2 <= EPS:
        return None, None
    skew = None
    if s > 2:
        skew = (s * s * m3 / ((s - 1) * (s - 2))) / k2**1.5
    kurt = None
    if s > 3:
        k4 = (s * s / ((s - 1) * (s - 2) * (s - 3))) * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2)
        kurt = k4 / (k2 * k2)
    return skew, kurt


def _reliability(matrix: Matrix) -> tuple[float | None, float | None, list[str]]:
    """Cronbach's alpha and (for 0/full items) KR-20, or None with the reason."""
    n, k = matrix.scores.shape
    if not matrix.complete:
        return None, None, ["students got different questions: no alpha, KR-20 or SE"]
    if k < 2 or n < 2:
        return None, None, ["alpha needs at least two items and two students"]
    var_total = float(matrix.totals.var(ddof=1))
    if var_total <= EPS:
        return None, None, ["every student has the same total: alpha undefined"]
    item_vars = float(matrix.scores.var(axis=0, ddof=1).sum())
    alpha = k / (k - 1) * (1 - item_vars / var_total)
    dichotomous = bool(
        np.all((matrix.scores == 0) | (matrix.scores == matrix.max_scores[np.newaxis, :]))
    )
    kr20 = None
    if dichotomous:
        p = matrix.scores.mean(axis=0) / np.where(matrix.max_scores > 0, matrix.max_scores, 1)
        pq = float((matrix.max_scores**2 * p * (1 - p)).sum())
        kr20 = k / (k - 1) * (1 - pq / float(matrix.totals.var(ddof=0)))
    return alpha, kr20, []


def exam_statistics(matrix: Matrix) -> ExamStats:
    totals = matrix.totals
    n, k = matrix.scores.shape
    max_total = float(matrix.max_scores.sum())
    if n == 0:
        return ExamStats(
            students=0,
            items=k,
            max_total=max_total,
            mean=None,
            median=None,
            sd=None,
            mean_percent=None,
            sd_percent=None,
            skewness=None,
            kurtosis=None,
            cronbach_alpha=None,
            cic=None,
            kr20=None,
            error_ratio=None,
            standard_error=None,
            notes=["no attempts"],
        )
    mean = float(totals.mean())
    sd = float(totals.std(ddof=1)) if n > 1 else None
    skew, kurt = _moments(totals)
    alpha, kr20, notes = _reliability(matrix)
    if matrix.unscored:
        notes.append("left out, not scored yet: " + ", ".join(matrix.unscored))
    error_ratio = standard_error = None
    if alpha is not None and alpha <= 1 and sd is not None:
        error_ratio = 100.0 * math.sqrt(max(0.0, 1 - alpha))
        standard_error = error_ratio * sd / 100.0
    return ExamStats(
        students=n,
        items=k,
        max_total=max_total,
        mean=mean,
        median=float(np.median(totals)),
        sd=sd,
        mean_percent=100.0 * mean / max_total if max_total > 0 else None,
        sd_percent=100.0 * sd / max_total if sd is not None and max_total > 0 else None,
        skewness=skew,
        kurtosis=kurt,
        cronbach_alpha=alpha,
        cic=None if alpha is None else 100.0 * alpha,
        kr20=kr20,
        error_ratio=error_ratio,
        standard_error=standard_error,
        notes=notes,
    )


def analyse(
    exam_id: str, rows: Sequence[ResponseRow], thresholds: Thresholds, generated_at: str
) -> ItemAnalysisReport:
    """The whole report for one exam's first attempts."""
    matrix = build_matrix(rows)
    items: list[ItemStats] = []
    covariances: list[float | None] = []
    for column in range(len(matrix.items)):
        stats, cov_total = item_statistics(matrix, column, thresholds)
        items.append(stats)
        covariances.append(cov_total)
    max_sum = float(matrix.max_scores.sum())
    for stats in items:
        stats.intended_weight = 100.0 * stats.max_score / max_sum if max_sum > 0 else None
    if covariances and all(c is not None and c >= 0 for c in covariances):
        roots = [math.sqrt(c) for c in covariances if c is not None]
        if sum(roots) > EPS:
            for stats, root in zip(items, roots, strict=True):
                stats.effective_weight = 100.0 * root / sum(roots)
    return ItemAnalysisReport(
        exam_id=exam_id,
        generated_at=generated_at,
        thresholds=thresholds,
        test=exam_statistics(matrix),
        items=items,
        totals=[float(t) for t in matrix.totals],
    )
