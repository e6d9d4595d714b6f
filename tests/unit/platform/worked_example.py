"""The worked item-analysis example (6 students x 4 items), shared by unit and integration tests.

Expected values are derived by hand in ``test_item_analysis.py``.
"""

from __future__ import annotations

from platform_services.analytics.models import GradedItem, ResponseRow

#            i1 i2 i3 i4   total
MATRIX = [
    ("s1", [1, 1, 1, 1]),  # 4
    ("s2", [1, 1, 1, 0]),  # 3
    ("s3", [1, 1, 0, 0]),  # 2
    ("s4", [1, 0, 1, 0]),  # 2
    ("s5", [0, 1, 0, 0]),  # 1
    ("s6", [0, 0, 0, 0]),  # 0
]
# i1 is a multiple-choice question keyed "A": wrong students chose B and C.
I1_RESPONSES = {"s1": ["A"], "s2": ["A"], "s3": ["A"], "s4": ["A"], "s5": ["B"], "s6": ["C"]}


def rows_of(matrix, types=None, responses=None, max_scores=None):
    rows = []
    for student, scores in matrix:
        questions = [
            GradedItem(
                question_id=f"i{j + 1}",
                type=(types or {}).get(j, "shortanswer"),
                score=score,
                max_score=(max_scores or {}).get(j, 1.0),
                response=(responses or {}).get(j, {}).get(student),
            )
            for j, score in enumerate(scores)
        ]
        rows.append(
            ResponseRow(
                student_id=student,
                attempt_id=f"a-{student}",
                submission_id=f"sub-{student}",
                key_version=1,
                questions=questions,
            )
        )
    return rows
