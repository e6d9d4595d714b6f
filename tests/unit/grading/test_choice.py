from __future__ import annotations

import pytest

from assessment_engine.grading import InvalidResponseError, grade
from tests.unit.grading.factories import mc


def test_single_choice_scores_the_chosen_fraction_times_points():
    q = mc(("Paris", 1.0), ("Lyon", 0.5), ("Nice", 0.0), points=4.0)
    assert grade(q, ["Paris"]).score == 4.0
    assert grade(q, ["Lyon"]).score == 2.0
    assert grade(q, ["Nice"]).score == 0.0


def test_single_choice_negative_fraction_is_floored_at_zero():
    q = mc(("right", 1.0), ("wrong", -0.5))
    result = grade(q, ["wrong"])
    assert result.score == 0.0
    assert result.fraction == 0.0


def test_single_choice_nothing_selected_scores_zero():
    assert grade(mc(("a", 1.0), ("b", 0.0)), []).score == 0.0


def test_multi_choice_sums_selected_fractions_moodle_example():
    # Moodle docs: three right answers at 33.333%, two wrong at -50%.
    q = mc(("a", 1 / 3), ("b", 1 / 3), ("c", 1 / 3), ("x", -0.5), ("y", -0.5), single=False)
    assert grade(q, ["a", "b", "c"]).fraction == pytest.approx(1.0)
    assert grade(q, ["a", "b"]).fraction == pytest.approx(2 / 3)
    assert grade(q, ["a", "b", "c", "x"]).fraction == pytest.approx(0.5)
    assert grade(q, ["a", "x", "y"]).fraction == 0.0  # clamped at 0


def test_multi_choice_total_is_capped_at_one():
    q = mc(("a", 1.0), ("b", 1.0), single=False)
    assert grade(q, ["a", "b"]).fraction == 1.0


def test_multi_choice_is_order_invariant():
    q = mc(("a", 0.1), ("b", 0.2), ("c", 0.3), ("d", 0.4), single=False)
    assert grade(q, ["a", "b", "c"]) == grade(q, ["c", "a", "b"])


def test_selected_option_feedback_is_returned():
    q = mc(("a", 1.0), ("b", 0.0))
    assert grade(q, ["b"]).feedback == ("fb-b",)


@pytest.mark.parametrize(
    "response",
    ["Paris", {"Paris": True}, [1], ["Rome"], ["Paris", "Paris"], ["Paris", "Lyon"], True],
)
def test_wrong_shapes_are_rejected(response):
    q = mc(("Paris", 1.0), ("Lyon", 0.0))
    with pytest.raises(InvalidResponseError):
        grade(q, response)


def test_multi_choice_rejects_the_same_option_twice():
    q = mc(("a", 0.5), ("b", 0.5), single=False)
    with pytest.raises(InvalidResponseError, match="more than once"):
        grade(q, ["a", "a"])


def test_rejection_message_does_not_echo_options_or_fractions():
    q = mc(("SecretRight", 1.0), ("Other", 0.0))
    with pytest.raises(InvalidResponseError) as info:
        grade(q, ["nope"])
    assert "SecretRight" not in str(info.value)
    assert "1.0" not in str(info.value)
