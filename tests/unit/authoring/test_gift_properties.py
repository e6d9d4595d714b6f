"""Property tests: any text raises only GiftSyntaxError; generated documents round-trip."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_engine.authoring.errors import GiftSyntaxError
from assessment_engine.authoring.gift import parse_gift
from assessment_engine.authoring.gift_text import PHP_WHITESPACE
from assessment_engine.authoring.gift_writer import write_gift
from assessment_engine.grading.models import (
    Choice,
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MatchPair,
    MultipleChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    ShortAnswerQuestion,
    TextAnswer,
    TrueFalseQuestion,
)

GIFT_ALPHABET = st.sampled_from(
    [*"{}~=#:\\%->/$[]TF.0123456789 \n\tab", "::", "->", "//", "####", "\\n"]
)
gift_like = st.lists(GIFT_ALPHABET, max_size=80).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), gift_like))
def test_arbitrary_text_raises_nothing_but_gift_syntax_errors(text):
    error: GiftSyntaxError | None = None
    try:
        questions = parse_gift(text)
    except GiftSyntaxError as caught:
        error, questions = caught, []
    if error is not None:
        assert error.line >= 1
        assert error.column >= 1
    assert len({q.id for q in questions}) == len(questions)


def _clean(text: str) -> str:
    return text.strip(PHP_WHITESPACE).replace("\r", "").replace("->", "-")


words = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r"), max_size=30
).map(_clean)
nonempty = words.filter(bool)
feedback = st.one_of(st.just(""), words)
formats = st.sampled_from(["moodle", "html", "plain", "markdown"])
percent = st.integers(min_value=0, max_value=100).map(lambda p: p / 100)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def _base(draw):
    return {
        "id": "",
        "text": draw(nonempty),
        "text_format": draw(formats),
        "general_feedback": draw(feedback),
    }


@st.composite
def multichoice(draw):
    single = draw(st.booleans())
    n = draw(st.integers(min_value=2, max_value=5))
    if single:
        fractions = [1.0] + [draw(st.sampled_from([0.0, 0.5, -0.25])) for _ in range(n - 1)]
    else:
        fractions = [draw(st.integers(min_value=-100, max_value=100)) / 100 for _ in range(n)]
        fractions[0] = draw(st.integers(min_value=1, max_value=100)) / 100
    fractions = draw(st.permutations(fractions))
    choices = tuple(
        Choice(text=draw(nonempty), fraction=f, feedback=draw(feedback)) for f in fractions
    )
    return MultipleChoiceQuestion(**_base(draw), single=single, choices=choices, shuffle=True)


@st.composite
def shortanswer(draw):
    answers = draw(
        st.lists(
            st.builds(TextAnswer, pattern=nonempty, fraction=percent, feedback=feedback),
            min_size=1,
            max_size=4,
        )
    )
    return ShortAnswerQuestion(**_base(draw), answers=tuple(answers))


@st.composite
def numerical(draw):
    answers = draw(
        st.lists(
            st.builds(
                NumericalAnswer,
                value=finite,
                tolerance=st.floats(min_value=0, max_value=1e6),
                tolerance_type=st.just("nominal"),
                fraction=percent,
                feedback=feedback,
            ),
            min_size=1,
            max_size=3,
        )
    )
    if draw(st.booleans()):
        answers.append(
            NumericalAnswer(
                value=None, tolerance_type="nominal", fraction=0.0, feedback=draw(feedback)
            )
        )
    return NumericalQuestion(**_base(draw), answers=tuple(answers))


@st.composite
def matching(draw):
    pairs = draw(
        st.lists(st.builds(MatchPair, left=nonempty, right=nonempty), min_size=2, max_size=4)
    )
    distractors = draw(st.lists(nonempty, max_size=2))
    return MatchingQuestion(**_base(draw), pairs=tuple(pairs), distractors=tuple(distractors))


@st.composite
def truefalse(draw):
    return TrueFalseQuestion(
        **_base(draw),
        answer=draw(st.booleans()),
        feedback_if_wrong=draw(feedback),
        feedback_if_right=draw(feedback),
    )


@st.composite
def essay(draw):
    return EssayQuestion(**_base(draw))


@st.composite
def description(draw):
    return DescriptionQuestion(**(_base(draw) | {"general_feedback": ""}))


@st.composite
def documents(draw):
    kinds = st.one_of(
        multichoice(), shortanswer(), numerical(), matching(), truefalse(), essay(), description()
    )
    questions = draw(st.lists(kinds, min_size=1, max_size=6))
    titles = draw(
        st.lists(st.one_of(st.none(), nonempty), min_size=len(questions), max_size=len(questions))
    )
    out, seen = [], set()
    for index, (q, title) in enumerate(zip(questions, titles, strict=True), start=1):
        if title is not None and (title in seen or title.startswith("q")):
            title = None
        qid = title if title is not None else f"q{index}"
        seen.add(qid)
        out.append(q.model_copy(update={"id": qid, "title": title}))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_written_documents_parse_back_to_equal_questions(questions):
    text = write_gift(questions)
    assert parse_gift(text) == questions, text


def test_writer_refuses_what_gift_cannot_express():
    import pytest

    from assessment_engine.grading.models import OrderingQuestion

    with pytest.raises(ValueError, match="cannot express"):
        write_gift([OrderingQuestion(id="o", text="Sort", items=("a", "b"))])
