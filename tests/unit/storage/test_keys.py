"""Key layout: every per-exam key carries the exam's hash tag, without I/O."""

from __future__ import annotations

import pytest

from assessment_engine.storage import keys


def test_every_per_exam_key_shares_the_exam_hash_tag() -> None:
    built = [
        keys.submission("e1", "s"),
        keys.grading_stream("e1"),
        keys.idempotency("e1", "st", "k"),
        keys.result("e1", "s", 2),
        keys.questions("e1", 2),
        keys.dead_letters("e1"),
        keys.counts("e1"),
    ]
    assert all(k.startswith("exam:{e1}:") for k in built)
    assert keys.result("e1", "s", 2).endswith(":result:s:v2")
    assert keys.exam_id_of_stream(keys.grading_stream("e1")) == "e1"


@pytest.mark.parametrize("bad", ["", "a}b", "a{b", "a:b"])
def test_exam_ids_that_would_break_the_hash_tag_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="exam id"):
        keys.grading_stream(bad)
