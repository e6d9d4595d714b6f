"""The grading function through the local service: identical scores, failures, idempotency."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import TypeAdapter

from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import SubmissionGrade, grade_submission
from exam_stack.localstack.ports import free_port, wait_for_port

from .code_samples import CODE_ANSWER_SETS, CODE_QUESTIONS, code_item
from .samples import ANSWER_SETS, QUESTIONS, item

QUESTION_MAP = TypeAdapter(dict[str, Question]).validate_python(QUESTIONS)
CODE_QUESTION_MAP = TypeAdapter(dict[str, Question]).validate_python(CODE_QUESTIONS)


def expected_grade(answers: dict[str, Any]) -> dict[str, Any]:
    return grade_submission(QUESTION_MAP, answers, list(QUESTIONS)).model_dump(mode="json")


def grade_via_lambda(lam, function: str, items: list[dict[str, Any]]) -> Any:
    response = lam.invoke(FunctionName=function, Payload=json.dumps({"items": items}).encode())
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def test_lambda_grades_match_the_in_process_grader_exactly(lam) -> None:
    items = [item(f"s{i}", answers) for i, answers in enumerate(ANSWER_SETS)]
    body = grade_via_lambda(lam, "grader", items)
    assert body["failures"] == []
    assert [r["submission_id"] for r in body["results"]] == [f"s{i}" for i in range(5)]
    for result, answers in zip(body["results"], ANSWER_SETS, strict=True):
        assert result["grade"] == expected_grade(answers)
        assert result["key_version"] == 1


def test_bad_items_are_reported_without_failing_the_batch(lam) -> None:
    bad_shape = {"submission_id": "bad-1", "exam_id": "exam-1"}
    unknown_question = {**item("bad-2", {}), "question_ids": ["tf", "zzz"]}
    body = grade_via_lambda(
        lam, "grader", [bad_shape, item("good", ANSWER_SETS[0]), unknown_question]
    )
    assert [r["submission_id"] for r in body["results"]] == ["good"]
    failures = {f["submission_id"]: f for f in body["failures"]}
    assert failures["bad-1"]["error_type"] == "ValidationError"
    assert failures["bad-2"]["error_type"] == "SubmissionShapeError"
    assert "Paris" not in json.dumps(body["failures"])  # messages never echo answer keys


def test_code_questions_grade_in_lambda_exactly_as_in_process_on_the_rlimit_layer(lam) -> None:
    # correct, wrong, and a runtime error with a traceback; infinite loops: tests/integration/
    # overflow/test_code_spill.py (through the dispatcher, against a worker too)
    answer_sets = [CODE_ANSWER_SETS[0], CODE_ANSWER_SETS[1], CODE_ANSWER_SETS[3]]
    items = [code_item(f"code-{i}", answers) for i, answers in enumerate(answer_sets)]
    body = grade_via_lambda(lam, "grader", items)
    assert body["failures"] == []
    for result, answers in zip(body["results"], answer_sets, strict=True):
        in_process = grade_submission(CODE_QUESTION_MAP, answers, list(CODE_QUESTIONS))
        assert SubmissionGrade.model_validate(result["grade"]) == in_process
    totals = [r["grade"]["total"] for r in body["results"]]
    assert totals == [6.0, 1.0, 3.0]
    # AWS_LAMBDA_FUNCTION_NAME is set by the service, so the sandbox takes the rlimit layer
    assert body["sandbox"]["layer"] == "rlimit"
    assert "AWS Lambda" in body["sandbox"]["reason"]
    hidden = json.dumps(body["results"])
    for secret in ("987654321098", "1111111110110", "fib(30)", "832040"):  # hidden tests' data
        assert secret not in hidden


def test_batches_without_code_questions_report_no_sandbox(lam) -> None:
    body = grade_via_lambda(lam, "grader", [item("plain", ANSWER_SETS[0])])
    assert body["sandbox"] is None


def test_an_event_that_is_not_a_batch_fails_the_invocation(lam) -> None:
    response = lam.invoke(FunctionName="grader", Payload=b'{"nope": 1}')
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValidationError"


@pytest.fixture(scope="module")
def moto_dynamodb(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=20)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_idempotency_on_dynamodb_returns_the_stored_result_for_a_repeat(
    lam, running_service, moto_dynamodb
) -> None:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=moto_dynamodb,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    dynamodb.create_table(
        TableName="idempotency",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    lam.create_function(
        FunctionName="grader-idem",
        Runtime="python3.12",
        Role="arn:aws:iam::1:role/x",
        Handler="overflow_functions.grading_function.app.lambda_handler",
        Timeout=10,
        Code={"S3Bucket": "hot-reload", "S3Key": str(running_service.code_root / "grader")},
        Environment={
            "Variables": {
                "GRADING_FUNCTION_IDEMPOTENCY_TABLE": "idempotency",
                "GRADING_FUNCTION_DYNAMODB_ENDPOINT_URL": moto_dynamodb,
                "POWERTOOLS_METRICS_NAMESPACE": "ExamOverflow",
            }
        },
    )
    first = grade_via_lambda(lam, "grader-idem", [item("idem-1", ANSWER_SETS[0])])
    # Same (submission, key version, grader version) with different answers: the stored result
    # comes back, proving the repeat did not recompute.
    repeat = grade_via_lambda(lam, "grader-idem", [item("idem-1", ANSWER_SETS[1])])
    assert repeat["results"] == first["results"]
    assert first["results"][0]["grade"] == expected_grade(ANSWER_SETS[0])
    other_key = grade_via_lambda(lam, "grader-idem", [item("idem-1", ANSWER_SETS[1], 2)])
    assert other_key["results"][0]["grade"] == expected_grade(ANSWER_SETS[1])
    records = dynamodb.scan(TableName="idempotency")["Items"]
    assert len(records) == 2
    assert {r["status"]["S"] for r in records} == {"COMPLETED"}
    assert all("expiration" in r for r in records)
