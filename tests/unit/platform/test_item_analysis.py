"""Item analysis against a hand-computed example and a loop-by-loop textbook re-implementation.

The 6 x 4 dichotomous matrix below was worked out on paper (fractions in the comments);
the random polytomous matrices are checked against plain-Python formulas written from the
definitions (statistics module, explicit loops), not against the numpy code under test.
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from platform_services.analytics.itemstats import analyse
from platform_services.analytics.models import GradedItem, Thresholds

from .worked_example import I1_RESPONSES, MATRIX, rows_of


@pytest.fixture
def report():
    rows = rows_of(MATRIX, types={0: "multichoice"}, responses={0: I1_RESPONSES})
    return analyse("exam-1", rows, Thresholds(), "2026-01-01T00:00:00Z")


def test_test_level_statistics_match_the_hand_computation(report):
    test = report.test
    assert (test.students, test.items, test.max_total) == (6, 4, 4.0)
    assert test.mean == pytest.approx(2.0)
    assert test.median == pytest.approx(2.0)
    assert test.sd == pytest.approx(math.sqrt(2))  # SS = 10, /5
    # sum of item variances 4/15 + 4/15 + 3/10 + 1/6 = 1; alpha = 4/3 (1 - 1/2)
    assert test.cronbach_alpha == pytest.approx(2 / 3)
    assert test.cic == pytest.approx(200 / 3)
    # KR-20: sum pq = 5/6, population variance 10/6: 4/3 (1 - 1/2)
    assert test.kr20 == pytest.approx(2 / 3)
    assert test.error_ratio == pytest.approx(100 / math.sqrt(3))
    assert test.standard_error == pytest.approx(math.sqrt(2 / 3))  # sqrt(2) * sqrt(1/3)
    assert test.skewness == pytest.approx(0.0)  # symmetric totals
    assert test.kurtosis == pytest.approx(-0.3)  # k4 = 0.6 * (7*34/6 - 15*100/36) = -1.2, /4


def test_item_level_statistics_match_the_hand_computation(report):
    items = {item.question_id: item for item in report.items}
    expected = {
        # facility %, DI = 100 cov/sqrt(var x var rest), DE = 100 cov/cov_max
        "i1": (200 / 3, 62.5, 100.0),  # cov 1/3, var 4/15 and 16/15
        "i2": (200 / 3, 200 / math.sqrt(88), 25.0),  # cov 2/15, var 4/15, 22/15; cov_max 8/15
        "i3": (50.0, 30 / math.sqrt(0.33), 60.0),  # cov .3, var .3 and 1.1; cov_max .5
        "i4": (100 / 6, 700 / math.sqrt(205), 100.0),  # cov 7/30, var 1/6 and 41/30
    }
    for qid, (facility, di, de) in expected.items():
        assert items[qid].facility == pytest.approx(facility), qid
        assert items[qid].discrimination_index == pytest.approx(di), qid
        assert items[qid].discriminative_efficiency == pytest.approx(de), qid
    assert items["i3"].sd == pytest.approx(100 * math.sqrt(0.3))
    assert items["i4"].intended_weight == pytest.approx(25.0)
    assert items["i4"].flags == ["too_hard"]
    assert items["i1"].flags == []
    assert sum(item.effective_weight for item in report.items) == pytest.approx(100.0)


def test_distractor_table_of_the_choice_question(report):
    table = {row.option: row for row in report.items[0].distractors}
    assert set(table) == {"A", "B", "C"}
    # 27% of 6 rounds to 2: upper = s1, s2; lower = s6, s5
    a, b = table["A"], table["B"]
    assert (a.count, a.upper_count, a.lower_count) == (4, 2, 0)
    assert a.percent == pytest.approx(400 / 6)
    assert a.likely_key
    assert not b.likely_key
    assert (b.count, b.upper_count, b.lower_count, b.lower_percent) == (1, 0, 1, 50.0)
    assert a.point_biserial == pytest.approx(62.5 / 100)  # choosing A is scoring on i1
    assert not any(row.non_functional for row in table.values())
    assert report.items[1].distractors is None, "only choice questions get a table"


def test_flags_follow_the_stated_thresholds():
    # i1 everyone right; i2 the 4 strongest; i3 only the weakest; i4 the 3 strongest
    matrix = [(f"s{i}", [1, int(i < 4), int(i == 9), int(i < 3)]) for i in range(10)]
    report = analyse("e", rows_of(matrix), Thresholds(), "t")
    easy, medium, reversed_item, _ = report.items
    assert "too_easy" in easy.flags
    assert "non_discriminating" in easy.flags
    assert easy.discrimination_index is None, "no variance: undefined, not 0"
    assert medium.flags == []
    assert {"too_hard", "negative_discrimination", "non_discriminating"} <= set(reversed_item.flags)


def test_missing_items_are_left_out_per_item_and_alpha_is_withheld():
    rows = rows_of(MATRIX)
    rows[0].questions.pop()  # s1 did not get i4
    report = analyse("e", rows, Thresholds(), "t")
    assert report.items[3].attempts == 5
    assert report.items[3].facility == pytest.approx(0.0)
    assert report.test.cronbach_alpha is None
    assert report.test.standard_error is None
    assert report.test.notes


# --- an independent textbook re-implementation ----------------------------------------------


def _cov(xs, ys):
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def textbook(matrix, max_scores):
    k = len(max_scores)
    totals = [sum(scores) for _, scores in matrix]
    items = []
    for j in range(k):
        xs = [scores[j] for _, scores in matrix]
        rest = [t - x for t, x in zip(totals, xs, strict=True)]
        di = 100 * _cov(xs, rest) / math.sqrt(statistics.variance(xs) * statistics.variance(rest))
        de = 100 * _cov(xs, rest) / _cov(sorted(xs), sorted(rest))
        items.append(
            (
                100 * statistics.fmean(xs) / max_scores[j],
                di,
                de,
                100 * statistics.stdev(xs) / max_scores[j],
            )
        )
    item_var = sum(statistics.variance([s[j] for _, s in matrix]) for j in range(k))
    alpha = k / (k - 1) * (1 - item_var / statistics.variance(totals))
    sem = statistics.stdev(totals) * math.sqrt(1 - alpha)
    return items, alpha, sem


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_polytomous_matrix_matches_the_textbook_formulas(seed):
    rng = random.Random(seed)
    max_scores = [1.0, 2.0, 5.0, 3.0, 1.0]
    matrix = []
    for i in range(40):
        ability = rng.random()
        scores = [
            round(min(m, max(0.0, m * (ability + rng.uniform(-0.4, 0.4)))) * 2) / 2
            for m in max_scores
        ]
        matrix.append((f"s{i:02d}", scores))
    expected_items, alpha, sem = textbook(matrix, max_scores)
    report = analyse(
        "e", rows_of(matrix, max_scores=dict(enumerate(max_scores))), Thresholds(), "t"
    )
    assert report.test.cronbach_alpha == pytest.approx(alpha)
    assert report.test.standard_error == pytest.approx(sem)
    assert report.test.kr20 is None, "KR-20 only for 0/full-mark items"
    for item, (facility, di, de, sd) in zip(report.items, expected_items, strict=True):
        assert item.facility == pytest.approx(facility)
        assert item.discrimination_index == pytest.approx(di)
        assert item.discriminative_efficiency == pytest.approx(de)
        assert item.sd == pytest.approx(sd)


def test_answers_not_scored_yet_count_as_missing_not_as_zero():
    rows = rows_of(MATRIX)
    for row in rows:
        row.questions.append(
            GradedItem(
                question_id="essay",
                type="essay",
                score=0.0,
                max_score=5.0,
                status="needs_manual_grading",
            )
        )
    rows[0].questions[3] = rows[0].questions[3].model_copy(update={"status": "ungraded"})
    report = analyse("e", rows, Thresholds(), "t")
    assert [item.question_id for item in report.items] == ["i1", "i2", "i3", "i4"]
    assert report.items[3].attempts == 5, "s1's ungraded answer is left out"
    assert any("essay" in note for note in report.test.notes)
    full = analyse("e", rows_of(MATRIX), Thresholds(), "t")
    assert report.items[0].facility == full.items[0].facility
