"""The import, grade and demo commands, run through Typer's CliRunner on the real examples."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from exam_stack.cli import app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
runner = CliRunner()


def test_import_prints_normalised_json_for_each_format():
    for name, count in [
        ("sample_exam.gift", 26),
        ("sample_item_qti21.xml", 1),
        ("question_bank.json", 8),
    ]:
        result = runner.invoke(app, ["import", str(EXAMPLES / name)])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert len(data) == count
        assert all("type" in q and "id" in q for q in data)


def test_import_reports_every_gift_error_with_exit_code_2(tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("::A:: {=x\n\n::B:: {~only}\n")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert "2 malformed questions" in result.stderr
    assert "line 1, column 7 (question 'A')" in result.stderr
    assert "line 3, column 8 (question 'B')" in result.stderr


def test_import_of_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["import", str(tmp_path / "nope.gift")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_grade_prints_the_grade_as_json():
    result = runner.invoke(
        app,
        [
            "grade",
            "--gift",
            str(EXAMPLES / "sample_exam.gift"),
            "--question",
            "free-fall",
            "--response",
            '"29.4"',
        ],
    )
    assert result.exit_code == 0, result.output
    grade = json.loads(result.stdout)
    assert grade["question_id"] == "free-fall"
    assert grade["score"] == 0.5


def test_grade_selects_questions_by_number_and_title():
    by_number = runner.invoke(
        app,
        [
            "grade",
            "--gift",
            str(EXAMPLES / "sample_exam.gift"),
            "--question",
            "2",
            "--response",
            '["2x·sin(x) + x^2·cos(x)"]',
        ],
    )
    assert json.loads(by_number.stdout)["question_id"] == "derivative"
    assert json.loads(by_number.stdout)["score"] == 1


def test_grade_rejects_wrong_shape_bad_json_and_unknown_question_with_exit_2():
    exam = str(EXAMPLES / "sample_exam.gift")
    wrong_shape = runner.invoke(
        app, ["grade", "--gift", exam, "--question", "matrix-tf", "--response", '"false"']
    )
    assert wrong_shape.exit_code == 2
    assert "expected a boolean" in wrong_shape.stderr
    bad_json = runner.invoke(
        app, ["grade", "--gift", exam, "--question", "binary", "--response", "eleven"]
    )
    assert bad_json.exit_code == 2
    assert "not valid JSON" in bad_json.stderr
    unknown = runner.invoke(app, ["grade", "--gift", exam, "--question", "nope", "--response", "1"])
    assert unknown.exit_code == 2
    ambiguous = runner.invoke(app, ["grade", "--gift", exam, "--response", "1"])
    assert ambiguous.exit_code == 2
    assert "choose one with --question" in ambiguous.stderr


def test_grade_reports_gift_syntax_errors_with_exit_2(tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("Broken {=a")
    result = runner.invoke(app, ["grade", "--gift", str(bad), "--response", '"a"'])
    assert result.exit_code == 2
    assert "line 1, column 8" in result.stderr


def test_demo_grades_the_sample_batch_and_prints_results_and_facility(tmp_path):
    plot = tmp_path / "demo.png"
    result = runner.invoke(app, ["demo", "--width", "160", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    students = json.loads((EXAMPLES / "sample_responses.json").read_text())["students"]
    assert len(students) >= 30
    for student in students:
        assert student["student_id"] in out
    assert "Per-question facility" in out
    assert "manual (" in out  # essays are pending hand marking
    assert "matrix-tf" in out  # a student's wrong-shape answer is listed as invalid
    assert "30 students" in out
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_demo_with_a_qti_exam_and_custom_responses(tmp_path):
    responses = tmp_path / "r.json"
    responses.write_text(
        json.dumps(
            {
                "students": [
                    {
                        "student_id": "a",
                        "answers": {"sci101-noble-gases": {"RESPONSE": ["He", "Ar"]}},
                    },
                    {"student_id": "b", "answers": {"sci101-noble-gases": {"RESPONSE": "He"}}},
                ]
            }
        )
    )
    result = runner.invoke(
        app,
        [
            "demo",
            "--exam",
            str(EXAMPLES / "sample_item_qti21.xml"),
            "--responses",
            str(responses),
            "--width",
            "160",
            "--no-plot",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "100.0%" in result.stdout
    assert "plot written" not in result.stdout
    assert "sci101-noble-gases" in result.stdout


def test_demo_rejects_a_malformed_responses_file(tmp_path):
    responses = tmp_path / "r.json"
    responses.write_text('{"students": [{"answers": {}}]}')
    result = runner.invoke(app, ["demo", "--responses", str(responses)])
    assert result.exit_code == 2
    assert "student_id" in result.stderr


def test_grade_of_a_question_that_cannot_be_graded_exits_1(tmp_path):
    bank = tmp_path / "bank.json"
    bank.write_text(
        json.dumps(
            [
                {
                    "type": "formula",
                    "id": "f",
                    "text": "?",
                    "expected": "R1*(",
                    "variables": {"R1": {"low": 1, "high": 2}},
                }
            ]
        )
    )
    result = runner.invoke(app, ["grade", "--gift", str(bank), "--response", '"R1"'])
    assert result.exit_code == 1
    assert "cannot grade 'f'" in result.stderr
    assert "R1*(" not in result.stderr
