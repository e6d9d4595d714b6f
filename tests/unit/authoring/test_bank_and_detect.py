"""JSON banks (validation errors name every problem) and format detection by content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assessment_engine.authoring.bank import dump_bank, parse_bank
from assessment_engine.authoring.detect import detect_format, load_questions
from assessment_engine.authoring.errors import (
    BankError,
    GiftSyntaxError,
    QtiSyntaxError,
    UnknownFormatError,
)
from assessment_engine.authoring.gift import parse_gift
from assessment_engine.grading.models import (
    ClozeQuestion,
    CodeQuestion,
    FormulaQuestion,
    OrderingQuestion,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_example_bank_holds_ordering_cloze_formula_and_code_questions():
    questions = load_questions(EXAMPLES / "question_bank.json")
    kinds = {type(q) for q in questions}
    assert {OrderingQuestion, ClozeQuestion, FormulaQuestion, CodeQuestion} <= kinds
    assert len({q.id for q in questions}) == len(questions)


def test_bank_round_trips_through_dump():
    questions = parse_gift((EXAMPLES / "sample_exam.gift").read_text())
    assert parse_bank(dump_bank(questions)) == questions
    assert parse_bank(json.dumps({"questions": json.loads(dump_bank(questions))})) == questions


def test_bank_reports_every_invalid_question_with_its_path():
    bank = [
        {"type": "truefalse", "id": "ok", "text": "Fine", "answer": True},
        {"type": "multichoice", "id": "one-choice", "text": "?", "single": True, "choices": []},
        {
            "type": "numerical",
            "id": "bad-fraction",
            "text": "?",
            "answers": [{"value": 1, "fraction": 2}],
        },
        {"type": "telepathy", "id": "x", "text": "?"},
        {"type": "truefalse", "id": "ok", "text": "Duplicate", "answer": False},
    ]
    with pytest.raises(BankError) as info:
        parse_bank(json.dumps(bank))
    message = str(info.value)
    assert "question 2 ('one-choice'): multichoice.choices" in message
    assert "question 3 ('bad-fraction'): numerical.answers.0.fraction" in message
    assert "question 4 ('x')" in message
    assert "duplicate question id 'ok'" in message


@pytest.mark.parametrize(
    "text", ["[1, 2", '{"questions": 3}', '{"items": []}', '"just a string"', "[[[[" * 10_000]
)
def test_malformed_banks_raise_bank_errors(text):
    with pytest.raises(BankError):
        parse_bank(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("<?xml version='1.0'?><assessmentItem/>", "qti"),
        ("\ufeff  <qti-assessment-item/>", "qti"),
        ('[{"type": "truefalse"}]', "json"),
        ('{"questions": []}', "json"),
        ("{=Paris ~Lyon} is the capital of France.", "gift"),
        ("::T:: Q {T}", "gift"),
        ("[html]<b>Q</b> {T}", "gift"),
        ('[{"type": "truefalse", "id": "a", "text": "x", "answer": true},]', "json"),
        ('{ "questions": [', "json"),
    ],
)
def test_format_is_detected_from_content(text, kind):
    assert detect_format(text) == kind


def test_load_questions_reads_paths_and_raw_text():
    assert len(load_questions(EXAMPLES / "sample_exam.gift")) >= 20
    assert len(load_questions(str(EXAMPLES / "sample_item_qti21.xml"))) == 1
    assert load_questions("::one:: 1+1=2 {T}")[0].id == "one"


def test_load_questions_raises_the_importers_typed_errors(tmp_path):
    with pytest.raises(GiftSyntaxError):
        load_questions("Broken {=a")
    with pytest.raises(QtiSyntaxError):
        load_questions("<assessmentItem>")
    with pytest.raises(UnknownFormatError):
        load_questions("// only a comment\n")
    with pytest.raises(BankError, match="not valid JSON"):
        load_questions('[{"type": "truefalse", "id": "a", "text": "x", "answer": true},]')
    binary = tmp_path / "bank.gift"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UnknownFormatError, match="UTF-8"):
        load_questions(binary)
