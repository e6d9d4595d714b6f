from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from assessment_engine.exams.admission import BucketState, retry_after_header, take_token
from assessment_engine.exams.errors import ConflictError
from assessment_engine.exams.models import QuestionPool
from assessment_engine.exams.regrade import changed_keys, diff_scores
from assessment_engine.exams.release import feedback_visible, release, scores_visible
from assessment_engine.exams.selection import option_seed, select_questions
from tests.unit.exams.factories import T0, make_exam

IDS = tuple(f"q{i}" for i in range(10))
POOLS = (QuestionPool(question_ids=IDS[:5], draw=2), QuestionPool(question_ids=IDS[5:], draw=3))


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_selection_is_reproducible_and_draws_from_each_pool(seed: int) -> None:
    chosen = select_questions(IDS, POOLS, seed, shuffle=True)
    assert chosen == select_questions(IDS, POOLS, seed, shuffle=True)
    assert len(set(chosen) & set(IDS[:5])) == 2
    assert len(set(chosen) & set(IDS[5:])) == 3


def test_unshuffled_selection_keeps_bank_order_and_seeds_differ() -> None:
    chosen = select_questions(IDS, POOLS, 3, shuffle=False)
    assert list(chosen) == sorted(chosen, key=IDS.index)
    orders = {select_questions(IDS, (), seed, shuffle=True) for seed in range(20)}
    assert len(orders) > 1
    assert option_seed(1, "q1") == option_seed(1, "q1") != option_seed(1, "q2")


def test_pool_draw_larger_than_pool_is_rejected() -> None:
    with pytest.raises(ValidationError):
        QuestionPool(question_ids=("a",), draw=2)


def test_token_bucket_allows_a_burst_then_refuses_with_retry_after() -> None:
    state = None
    for _ in range(3):
        decision = take_token(state, 100.0, rate=2.0, burst=3)
        assert decision.allowed
        state = decision.state
    refused = take_token(state, 100.0, rate=2.0, burst=3)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(0.5)
    assert retry_after_header(refused.retry_after) == "1"
    later = take_token(refused.state, 100.5, rate=2.0, burst=3)
    assert later.allowed


def test_token_bucket_never_exceeds_burst_and_ignores_clock_going_back() -> None:
    decision = take_token(BucketState(0.0, 0.0), 1e6, rate=10, burst=5)
    assert decision.state.tokens == 4
    back = take_token(BucketState(0.0, 10.0), 5.0, rate=10, burst=5)
    assert not back.allowed


def test_release_policies() -> None:
    after = T0 + timedelta(hours=4)
    during = T0 + timedelta(minutes=5)
    immediate = make_exam(release_policy="immediately")
    assert scores_visible(immediate, during)
    assert not feedback_visible(immediate, during)
    assert feedback_visible(immediate, after)
    after_close = make_exam(release_policy="after_close")
    assert not scores_visible(after_close, during)
    assert scores_visible(after_close, after)
    manual = make_exam(release_policy="manual")
    assert not scores_visible(manual, after)
    assert not feedback_visible(manual, after)
    released = release(manual, during)
    assert scores_visible(released, during)
    assert feedback_visible(released, during)
    with pytest.raises(ConflictError):
        release(released, after)


def test_regrade_diff_lists_every_changed_question_only() -> None:
    changes = diff_scores(
        "s1", "sub1", {"q1": 1.0, "q2": 0.0, "q3": 1.0}, {"q1": 1.0, "q2": 1.0, "q3": 0.5}
    )
    assert [(c.question_id, c.delta) for c in changes] == [("q2", 1.0), ("q3", -0.5)]
    assert changed_keys({"q1": "a", "q2": "b"}, {"q1": "a", "q2": "c", "q3": "d"}) == ["q2", "q3"]
