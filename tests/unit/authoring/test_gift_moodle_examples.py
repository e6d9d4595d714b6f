"""GIFT examples from Moodle's GIFT docs and importer examples, imported as Moodle does."""

from __future__ import annotations

import pytest

from assessment_engine.authoring.gift import parse_gift
from assessment_engine.grading.models import (
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericalQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)


def one(text: str):
    questions = parse_gift(text)
    assert len(questions) == 1
    return questions[0]


def test_multiple_choice_with_one_right_answer_is_single_select():
    q = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert isinstance(q, MultipleChoiceQuestion)
    assert q.single
    assert q.text == "Who's buried in Grant's tomb?"
    assert [(c.text, c.fraction) for c in q.choices] == [
        ("Grant", 0.0),
        ("Jefferson", 0.0),
        ("no one", 1.0),
    ]


def test_missing_word_form_puts_a_blank_where_the_answers_were():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.text == "Grant is _____ in Grant's tomb."
    assert isinstance(q, MultipleChoiceQuestion)


def test_answers_on_indented_lines_and_missing_word_across_lines():
    q = one(
        "The American holiday of Thanksgiving is celebrated on the {\n"
        "    ~second\n    ~third\n    =fourth\n} Thursday of November."
    )
    assert (
        q.text
        == "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    )
    assert [c.text for c in q.choices] == ["second", "third", "fourth"]


def test_answers_after_closing_punctuation_leave_no_blank():
    q = one(
        "Japanese characters originally came from what country? {\n"
        " ~India\n =China\n ~Korea\n ~Egypt}"
    )
    assert q.text == "Japanese characters originally came from what country?"
    assert [c.fraction for c in q.choices] == [0, 1, 0, 0]


@pytest.mark.parametrize(
    ("text", "patterns", "stem"),
    [
        (
            "Who's buried in Grant's tomb?{=no one =nobody}",
            ["no one", "nobody"],
            "Who's buried in Grant's tomb?",
        ),
        ("Two plus two equals {=four =4}.", ["four", "4"], "Two plus two equals _____."),
        ("::Q3:: Two plus {=two =2} equals four.", ["two", "2"], "Two plus _____ equals four."),
    ],
)
def test_short_answer_lists_every_accepted_answer_at_full_credit(text, patterns, stem):
    q = one(text)
    assert isinstance(q, ShortAnswerQuestion)
    assert [a.pattern for a in q.answers] == patterns
    assert all(a.fraction == 1.0 for a in q.answers)
    assert q.text == stem


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Grant is buried in Grant's tomb.{F}", False),
        ("The sun rises in the east.{T}", True),
        ("Grant is buried in Grant's tomb.{FALSE}", False),
        ("::Q1:: 1+1=2 {T}", True),
        ("1+1=2 {TRUE}", True),
    ],
)
def test_true_false_accepts_t_true_f_false(text, answer):
    q = one(text)
    assert isinstance(q, TrueFalseQuestion)
    assert q.answer is answer


def test_true_false_feedback_is_wrong_then_right():
    q = one("Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}")
    assert q.feedback_if_wrong == "No one is buried in Grant's tomb."
    assert q.feedback_if_right == ""
    q = one("The sun rises in the east.{TRUE#Think again.#Yes, it does.}")
    assert (q.feedback_if_wrong, q.feedback_if_right) == ("Think again.", "Yes, it does.")


def test_matching_pairs_keep_order_and_trim_both_sides():
    q = one(
        "Match the following countries with their corresponding capitals. {\n"
        "    =Canada -> Ottawa\n    =Italy  -> Rome\n"
        "    =Japan  -> Tokyo\n    =India  -> New Delhi\n    }"
    )
    assert isinstance(q, MatchingQuestion)
    assert [(p.left, p.right) for p in q.pairs] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("India", "New Delhi"),
    ]


def test_matching_without_spaces_around_arrow_and_text_across_lines():
    q = one(
        "Match the following countries with their corresponding\n"
        "capitals.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo}"
    )
    assert q.text == "Match the following countries with their corresponding\ncapitals."
    assert [p.right for p in q.pairs] == ["Ottawa", "Rome", "Tokyo"]


def test_matching_pair_with_empty_left_side_is_a_distractor():
    q = one("Match. {=a -> 1 =b -> 2 = -> 3}")
    assert [p.left for p in q.pairs] == ["a", "b"]
    assert q.distractors == ("3",)


@pytest.mark.parametrize(
    ("text", "value", "tolerance"),
    [
        ("When was Ulysses S. Grant born? {#1822}", 1822.0, 0.0),
        ("When was Ulysses S. Grant born?{#1822:5}", 1822.0, 5.0),
        ("What is the value of pi (to 3 decimal places)? {#3.1415:0.0005}.", 3.1415, 0.0005),
        ("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.", 3.1415, 0.0005),
        ("::Q5:: What is a number from 1 to 5? {#3:2}", 3.0, 2.0),
        ("::Q6:: What is a number from 1 to 5? {#1..5}", 3.0, 2.0),
        ("What's 2 plus 2? {#4}", 4.0, 0.0),
        ("Negative? {#-1.5e1:.5}", -15.0, 0.5),
    ],
)
def test_numerical_forms_become_value_and_nominal_tolerance(text, value, tolerance):
    q = one(text)
    assert isinstance(q, NumericalQuestion)
    (answer,) = q.answers
    assert answer.value == pytest.approx(value)
    assert answer.tolerance == pytest.approx(tolerance)
    assert answer.tolerance_type == "nominal"
    assert answer.fraction == 1.0


def test_numerical_range_question_ends_with_missing_word_blank():
    q = one("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.")
    assert q.text == "What is the value of pi (to 3 decimal places)? _____."


def test_numerical_with_several_weighted_answers_and_multi_line_feedback():
    q = one(
        "//this comment will be ignored by the filter\n::Numerical example::\n"
        "When was Ulysses S. Grant born? {#\n     =1822:0      #Correct! 100% credit\n"
        "     =%50%1822:2  #He was born in 1822.\n"
        "                  You get 50% credit for being close.\n}"
    )
    assert q.id == q.title == "Numerical example"
    assert [(a.value, a.tolerance, a.fraction) for a in q.answers] == [
        (1822, 0, 1.0),
        (1822, 2, 0.5),
    ]
    assert q.answers[0].feedback == "Correct! 100% credit"
    assert q.answers[1].feedback == "He was born in 1822.\nYou get 50% credit for being close."


def test_numerical_wrong_answer_catch_all_is_stored_as_any_value_worth_zero():
    q = one("Pi to two decimals? {#=3.14:0.005#Right =%50%3.1:0.05#Close ~#Not even close}")
    assert [(a.value, a.fraction, a.feedback) for a in q.answers] == [
        (3.14, 1.0, "Right"),
        (3.1, 0.5, "Close"),
        (None, 0.0, "Not even close"),
    ]


def test_question_names_become_ids_and_lines_join_with_newlines():
    q = one("::Kanji Origins::Japanese characters originally\ncame from what country? {=China}")
    assert (q.id, q.title) == ("Kanji Origins", "Kanji Origins")
    assert q.text == "Japanese characters originally\ncame from what country?"


def test_feedback_per_answer_is_split_on_the_first_hash():
    q = one(
        "What's the answer to this multiple-choice question?{\n"
        "~wrong answer#feedback comment on the wrong answer\n"
        "~another wrong answer#feedback comment on this wrong answer\n=right answer#Very good!}"
    )
    assert [(c.text, c.feedback) for c in q.choices][-1] == ("right answer", "Very good!")
    assert q.choices[0].feedback == "feedback comment on the wrong answer"


def test_text_format_prefix_is_recorded_and_removed():
    q = one(
        "[markdown]Who's buried in **Grant's tomb**?{\n"
        "=no one#excellent answer!\n=nobody#excellent answer!}"
    )
    assert q.text_format == "markdown"
    assert q.text == "Who's buried in **Grant's tomb**?"
    q = one("[html]<p>Hi</p>{T}")
    assert (q.text_format, q.text) == ("html", "<p>Hi</p>")
    q = one("[nonsense]Kept as text {T}")
    assert (q.text_format, q.text) == ("moodle", "[nonsense]Kept as text")


def test_percentage_weights_give_partial_credit():
    q = one("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
    assert [c.fraction for c in q.choices] == [0.0, 0.5, 1.0]
    q = one(
        "::Jesus' hometown::Jesus Christ was from {\n"
        "    ~Jerusalem#This was an important city, but the wrong answer.\n"
        "    ~%25%Bethlehem#He was born here, but not raised here.\n"
        "    ~%50%Galilee#You need to be more specific.\n"
        "    =Nazareth#Yes! That's right!}."
    )
    assert [c.fraction for c in q.choices] == [0.0, 0.25, 0.5, 1.0]
    assert q.text == "Jesus Christ was from _____."


def test_short_answer_weights_and_duplicate_titles_get_unique_ids():
    questions = parse_gift(
        "::Jesus' hometown::Jesus Christ was from {~Jerusalem =Nazareth}.\n\n"
        "::Jesus' hometown:: Jesus Christ was from {\n    =Nazareth#Yes! That's right!\n"
        "    =%75%Nazereth#Right, but misspelled.\n"
        "    =%25%Bethlehem#He was born here, but not raised here.}"
    )
    assert [q.id for q in questions] == ["Jesus' hometown", "Jesus' hometown-2"]
    assert [q.title for q in questions] == ["Jesus' hometown", "Jesus' hometown"]
    second = questions[1]
    assert isinstance(second, ShortAnswerQuestion)
    assert [(a.pattern, a.fraction) for a in second.answers] == [
        ("Nazareth", 1.0),
        ("Nazereth", 0.75),
        ("Bethlehem", 0.25),
    ]


def test_multiple_answers_without_equals_sign_are_checkboxes_with_negative_weights():
    q = one(
        "What two people are entombed in Grant's tomb? {\n    ~%-50%No one\n    ~%50%Grant\n"
        "    ~%50%Grant's wife\n    ~%-50%Grant's father }"
    )
    assert isinstance(q, MultipleChoiceQuestion)
    assert not q.single
    assert [c.fraction for c in q.choices] == [-0.5, 0.5, 0.5, -0.5]


def test_decimal_negative_weights_follow_moodles_regex():
    q = one("Pick the primes {~%50%2 ~%50%3 ~%-33.33333%4 ~%-33.33333%6 ~%-33.33333%9}")
    assert q.choices[2].fraction == pytest.approx(-0.3333333)


def test_escaped_control_characters_are_literal():
    q = one("Which answer equals 5? {\n     ~ \\= 2 + 2\n     = \\= 2 + 3\n     ~ \\= 2 + 4  }")
    assert [(c.text, c.fraction) for c in q.choices] == [
        ("= 2 + 2", 0),
        ("= 2 + 3", 1),
        ("= 2 + 4", 0),
    ]


def test_gift_control_characters_example_with_escaped_backslash():
    q = one(
        "::GIFT Control Characters::\n"
        "Which of the following is NOT a control character for the GIFT import format? {\n"
        "   ~ \\~     # \\~ is a control character.\n   ~ \\=     # \\= is a control character.\n"
        "   ~ \\#     # \\# is a control character.\n   ~ \\{     # \\{ is a control character.\n"
        "   ~ \\}     # \\} is a control character.\n"
        "   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n"
        "              it is used to escape the control characters.\n}"
    )
    assert [c.text for c in q.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert q.choices[0].feedback == "~ is a control character."
    assert q.choices[5].fraction == 1.0
    assert q.choices[5].feedback.startswith("Correct! \\ (backslash)")


def test_escaped_colon_newline_and_braces_in_text_and_title():
    q = one("::a\\:b:: Time is 10\\:30.\\nSet \\{x\\} {T}")
    assert q.id == "a:b"
    assert q.text == "Time is 10:30.\nSet {x}"


def test_essay_description_and_general_feedback():
    essay, description, mc = parse_gift(
        "::Q8:: How are you? {}\n\nRead the passage below before answering.\n\n"
        "Capital of France? {=Paris ~Lyon ####Paris has been the capital since 987.}"
    )
    assert isinstance(essay, EssayQuestion)
    assert isinstance(description, DescriptionQuestion)
    assert description.text == "Read the passage below before answering."
    assert description.points == 0
    assert mc.general_feedback == "Paris has been the capital since 987."


def test_essay_with_only_general_feedback():
    q = one("Discuss. {####Look for a thesis statement.}")
    assert isinstance(q, EssayQuestion)
    assert q.general_feedback == "Look for a thesis statement."


def test_categories_apply_to_following_questions_and_are_not_questions():
    questions = parse_gift(
        "A {T}\n\n$CATEGORY: physics/mechanics\n\nB {T}\n\nC {F}\n\n$CATEGORY: maths\n\nD {T}"
    )
    assert [(q.id, q.category) for q in questions] == [
        ("q1", None),
        ("q2", "physics/mechanics"),
        ("q3", "physics/mechanics"),
        ("q4", "maths"),
    ]


def test_untitled_ids_are_positions_and_never_collide_with_titles():
    questions = parse_gift("::q2:: A {T}\n\nB {T}\n\n// only a comment\n\nC {F}")
    assert [q.id for q in questions] == ["q2", "q2-2", "q3"]


def test_comment_lines_do_not_split_questions_and_windows_line_endings_work():
    q = one("// heading\r\n::T:: Line one\r\n// inner comment\r\nline two {=x}\r\n")
    assert q.text == "Line one\n \nline two"


def test_truefalse_detection_ignores_feedback_but_not_other_words():
    assert isinstance(one("Q {TRUE#no#yes}"), TrueFalseQuestion)
    assert isinstance(one("Q {True}"), ShortAnswerQuestion)
    assert isinstance(one("Q {T F}"), ShortAnswerQuestion)


def test_text_before_first_marker_is_an_answer_like_moodle():
    q = one("Q {Paris =London}")
    assert [a.pattern for a in q.answers] == ["Paris", "London"]


def test_titles_are_unescaped_but_never_format_parsed():
    q = one("::[html]A\\: b:: Text {T}")
    assert q.title == "[html]A: b"


MOODLEDOCS_PAGE = """// question: 1 name: Grants tomb
::Grants tomb::Who is buried in Grant's tomb in New York City? {
=Grant
~No one
#Was true for 12 years, but Grant's remains were buried in the tomb in 1897
~Napoleon
#He was buried in France
~Churchill
#He was buried in England
~Mother Teresa
#She was buried in India
}

Who's buried in Grant's tomb? {=Grant ~no one ~Napoleon ~Churchill ~Mother Teresa }

Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.

Mahatma Gandhi's birthday is an Indian holiday on  {
~15th
~3rd
=2nd
} of October.

Since { ~495 AD =1066 AD ~1215 AD ~ 43 AD }
the town of Hastings England has been "famous with visitors".

What two people are entombed in Grant's tomb? {
~%-100%No one
~%50%Grant
~%50%Grant's wife
~%-100%Grant's father
}

::Continents:: { =Asia } is the largest continent in the world.

1 + 2 \\= {3}

The largest desert on Earth is\\: {
=Antarctica
~Sahara Desert
~Australian Desert
~Arabian Desert
}

How are you? {
####We hope you're feeling well.
}

//Comment line
::Question title
:: Question {
=A correct answer
~Wrong answer1
#A response to wrong answer1
~Wrong answer2
#A response to wrong answer2
}
"""


def test_every_example_of_the_moodledocs_page_imports_as_moodle_would():
    qs = parse_gift(MOODLEDOCS_PAGE)
    assert [q.type for q in qs] == [
        "multichoice",
        "multichoice",
        "multichoice",
        "multichoice",
        "multichoice",
        "multichoice",
        "shortanswer",
        "shortanswer",
        "multichoice",
        "essay",
        "multichoice",
    ]
    grants = qs[0]
    assert isinstance(grants, MultipleChoiceQuestion)
    assert grants.id == "Grants tomb"
    assert grants.choices[1].feedback.startswith("Was true for 12 years")
    assert qs[3].text == "Mahatma Gandhi's birthday is an Indian holiday on  _____ of October."
    hastings = qs[4]
    assert isinstance(hastings, MultipleChoiceQuestion)
    assert hastings.text.startswith("Since _____\nthe town of Hastings")
    assert [c.text for c in hastings.choices] == ["495 AD", "1066 AD", "1215 AD", "43 AD"]
    entombed = qs[5]
    assert isinstance(entombed, MultipleChoiceQuestion)
    assert not entombed.single
    assert [c.fraction for c in entombed.choices] == [-1.0, 0.5, 0.5, -1.0]
    continents = qs[6]
    assert continents.text == "_____ is the largest continent in the world."
    assert qs[7].text == "1 + 2 ="
    assert isinstance(qs[7], ShortAnswerQuestion)
    assert [a.pattern for a in qs[7].answers] == ["3"]
    assert qs[8].text == "The largest desert on Earth is:"
    assert qs[9].general_feedback == "We hope you're feeling well."
    titled = qs[10]
    assert titled.id == "Question title"
    assert titled.text == "Question"
