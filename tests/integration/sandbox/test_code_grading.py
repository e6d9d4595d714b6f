"""Code questions graded end to end through ``grading.grade``: outcomes, redaction, determinism,
and identical grades on the worker's layer and the Lambda path (rlimits only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assessment_engine.grading import grade
from assessment_engine.grading.models import CodeQuestion
from assessment_engine.sandbox import RunRequest, SandboxPool

SECRET_INPUT = "hidden-input-7c1e"
SECRET_EXPECTED = "hidden-expected-9f2a"

QUESTION = CodeQuestion.model_validate(
    {
        "id": "sum",
        "text": "Write add(a, b); as a program, print the sum of the numbers on stdin.",
        "points": 4,
        # wall 4x the CPU limit: a busy loop ends on CPU, not on a loaded runner's wall clock
        "limits": {"cpu_seconds": 0.5, "wall_seconds": 2, "memory_mb": 64},
        "tests": [
            {"name": "add ints", "call": "add(2, 3)", "expected_value": 5},
            {"name": "stdin sum", "stdin": "1 2 3\n", "expected_stdout": "6"},
            {
                "name": "floats",
                "call": "add(0.1, 0.2)",
                "expected_value": 0.3,
                "compare": "float",
                "weight": 2,
            },
            {
                "name": "secret",
                "stdin": f"{SECRET_INPUT}\n",
                "expected_stdout": SECRET_EXPECTED,
                "hidden": True,
                "weight": 4,
            },
        ],
    }
)
GOOD = (
    "import sys\n\ndef add(a, b):\n    return a + b\n\n"
    "if __name__ == '__main__':\n"
    "    words = sys.stdin.read().split()\n"
    "    if words and words[0].startswith('hidden'):\n"
    f"        print({SECRET_EXPECTED!r})\n"
    "    else:\n"
    "        print(sum(int(w) for w in words))\n"
)
LEAKY = (
    "import sys\n\ndef add(a, b):\n    return a - b\n\n"
    "if __name__ == '__main__':\n"
    "    data = sys.stdin.read()\n"
    "    print(data)\n"
    "    raise ValueError('input was ' + data)\n"
)
# Deterministic only if hash seed and random seed are fixed by the sandbox
SEEDED = (
    "import random\n\ndef add(a, b):\n    return a + b\n\n"
    "if __name__ == '__main__':\n"
    "    print(list({'apple', 'pear', 'fig', 'kiwi'}), random.random())\n"
)


def parts(response: str) -> list[tuple[str, bool, str]]:
    return [(p.part, p.correct, p.detail) for p in grade(QUESTION, response).parts]


def test_a_correct_program_scores_full_marks() -> None:
    result = grade(QUESTION, GOOD)
    assert (result.score, result.max_score, result.question_type) == (4.0, 4.0, "code")
    assert all(p.correct for p in result.parts)


def test_a_wrong_program_gets_per_test_outcomes_and_hidden_tests_leak_nothing() -> None:
    result = grade(QUESTION, LEAKY)
    named = {p.part: p for p in result.parts}
    assert named["add ints"].detail.startswith("wrong_answer: add(2, 3) expected '5', got '-1'")
    assert named["stdin sum"].detail.startswith("runtime_error: ValueError raised")
    assert 'File "solution.py", line 9' in named["stdin sum"].detail
    assert named["hidden test 1"].detail == "runtime_error"
    dumped = result.model_dump_json()
    for secret in (SECRET_INPUT, SECRET_EXPECTED, "secret"):
        assert secret not in dumped
    for host_path in ("/work", "/root", "/tmp", "_child.py", "/sandbox"):
        assert host_path not in dumped
    assert result.score == pytest.approx(0.0)


def test_hostile_programs_are_graded_with_a_clear_reason() -> None:
    cases = {
        "import os\nwhile True:\n    os.fork()": "runtime_error: PermissionError raised",
        "while True:\n    pass": "time_limit: ",
        "x = bytearray(1 << 31)": "memory_limit: memory limit of 64 MB exceeded",
        "while True:\n    print('y' * 4096)": "output_limit: stdout exceeded 65536 bytes",
        "import socket\nsocket.socket()": "runtime_error: PermissionError raised",
    }
    for source, reason in cases.items():
        details = [d for _, _, d in parts(source)]
        assert details[1].startswith(reason), (source, details)


def test_grades_are_deterministic_and_identical_cold_and_pooled() -> None:
    first = grade(QUESTION, SEEDED).model_dump()
    assert grade(QUESTION, SEEDED).model_dump() == first
    request = RunRequest(source=SEEDED, stdin="1 2\n")
    cold = SandboxPool(1, reuse=False)
    warm = SandboxPool(1)
    try:
        outputs = {cold.run(request).stdout, warm.run(request).stdout, warm.run(request).stdout}
    finally:
        cold.close()
        warm.close()
    assert len(outputs) == 1


def test_lambda_path_grades_identically_to_the_worker() -> None:
    """The Lambda function runs the same grader with rlimits only (no namespaces there)."""
    script = (
        "import json, sys\n"
        "from assessment_engine.grading import grade\n"
        "from assessment_engine.grading.models import CodeQuestion\n"
        "from assessment_engine.sandbox import default_pool\n"
        "q = CodeQuestion.model_validate_json(sys.argv[1])\n"
        "grades = [grade(q, r).model_dump(mode='json') for r in json.loads(sys.argv[2])]\n"
        "print(json.dumps({'layer': default_pool().layer, 'grades': grades}))\n"
    )
    responses = [GOOD, LEAKY, SEEDED, "while True:\n    pass"]
    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "grader"}
    out = subprocess.run(
        [sys.executable, "-c", script, QUESTION.model_dump_json(), json.dumps(responses)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lambda_side = json.loads(out.stdout)
    assert lambda_side["layer"] == "rlimit"
    worker_side = [grade(QUESTION, r).model_dump(mode="json") for r in responses]
    assert lambda_side["grades"] == worker_side


def test_a_code_question_from_a_json_bank_grades_through_the_engine() -> None:
    from assessment_engine.authoring.bank import parse_bank

    bank = json.dumps(
        [
            {
                "type": "code",
                "id": "square",
                "text": "Write square(x).",
                "tests": [
                    {"name": "3", "call": "square(3)", "expected_value": 9},
                    {
                        "name": "big",
                        "call": "square(10**6)",
                        "expected_value": 10**12,
                        "hidden": True,
                    },
                ],
            }
        ]
    )
    (question,) = parse_bank(bank)
    assert grade(question, "def square(x):\n    return x * x\n").fraction == 1.0
    half = grade(question, "def square(x):\n    return 9\n")
    assert [p.correct for p in half.parts] == [True, False]
