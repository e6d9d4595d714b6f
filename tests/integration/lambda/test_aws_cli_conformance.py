"""The AWS CLI against the local Lambda service, run the way a user runs both (#12).

The service is ``assessment-engine local-lambda`` started from a YAML config on a free loopback
port, with ``LOCAL_LAMBDA_ACCOUNT_CONCURRENCY`` in its environment; every request is made by the
real ``aws`` command of the venv's awscli. Error responses are checked on the wire: ``aws --debug``
logs the HTTP status (urllib3) and the raw error body (botocore), so each case asserts the status,
the ``x-amzn-ErrorType`` code and the modeled members AWS documents, and that nothing answers 5xx.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from exam_stack.localstack.ports import free_port, wait_for_port
from overflow_functions.build import HANDLER, build

from .handlers import BROKEN, PROBE

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT_CONCURRENCY = 7  # not the default 10: proves LOCAL_LAMBDA_ACCOUNT_CONCURRENCY is read
SYNC_LIMIT = 6 * 1024 * 1024  # Invoke, RequestResponse: 6 MB
EVENT_LIMIT = 1024 * 1024  # Invoke, Event: 1 MB since October 2025
INVOKE_ASYNC_LIMIT = 256 * 1024  # the deprecated InvokeAsync keeps 256 KB
LAST_MODIFIED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")

# Invoke's errors as the Lambda API reference lists them (code -> HTTP status), restricted to those
# a function without VPC, EFS, KMS or SnapStart can meet, plus RequestEntityTooLargeException: the
# code AWS actually answers for an oversized payload (the API model names it
# RequestTooLargeException; clients see "RequestEntityTooLargeException: N byte payload is too
# large for the Event invocation type (limit 262144 bytes)").
DOCUMENTED_INVOKE_ERRORS = {
    "InvalidParameterValueException": 400,
    "InvalidRequestContentException": 400,
    "RequestEntityTooLargeException": 413,
    "RequestTooLargeException": 413,
    "ResourceConflictException": 409,
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
    "UnsupportedMediaTypeException": 415,
}
INVOKE_STATUSES = {200, 202, 204, *DOCUMENTED_INVOKE_ERRORS.values()}
THROTTLE_REASONS = {
    "ConcurrentInvocationLimitExceeded",
    "FunctionInvocationRateLimitExceeded",
    "ReservedFunctionConcurrentInvocationLimitExceeded",
    "ReservedFunctionInvocationRateLimitExceeded",
    "CallerRateLimitExceeded",
}

_STATUS = re.compile(r'"[A-Z]+ (/\S*) HTTP/1\.1" (\d{3}) ')
_BODY = re.compile(r"botocore\.parsers - DEBUG - Response body:\n(b'.*'|b\".*\")\n")
_ERROR = re.compile(
    r"An error occurred \((\w+)\) when calling the (\w+) operation"
    r"(?: \(reached max retries: \d+\))?: (.*)"
)
_REPORT = re.compile(
    r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms\t"
    r"Memory Size: (\d+) MB\tMax Memory Used: \d+ MB(?:\tInit Duration: ([\d.]+) ms)?"
)


@dataclass
class Call:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.returncode == 0, self.stderr[-3000:]
        return json.loads(self.stdout)

    @property
    def statuses(self) -> list[int]:
        """HTTP status of every response (``--debug`` only)."""
        return [int(m.group(2)) for m in _STATUS.finditer(self.stderr)]

    def error(self) -> tuple[str, int, dict[str, Any], str]:
        """(code, HTTP status, raw JSON body, message) of a failed call made with ``debug``."""
        assert self.returncode != 0, self.stdout
        found = _ERROR.search(self.stderr)
        assert found, self.stderr[-3000:]
        bodies = _BODY.findall(self.stderr)
        assert bodies, self.stderr[-3000:]
        body = json.loads(ast.literal_eval(bodies[-1]))  # the repr() of bytes botocore logged
        return found.group(1), self.statuses[-1], body, found.group(3)


@dataclass
class CliService:
    endpoint_url: str
    root: Path
    log: Path

    def command(self, *args: str, debug: bool = False) -> tuple[list[str], dict[str, str]]:
        """argv and environment of ``aws [--debug] --endpoint-url … lambda <args>``."""
        aws = Path(sys.executable).parent / "aws"
        env = {
            "PATH": f"{aws.parent}:/usr/bin:/bin",
            "HOME": str(self.root),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_RETRY_MODE": "standard",
            "AWS_MAX_ATTEMPTS": "1",  # a retried 429 or 413 would hide the first answer
        }
        debug_flag = ["--debug"] if debug else []
        return [str(aws), *debug_flag, "--endpoint-url", self.endpoint_url, "lambda", *args], env

    def aws(self, *args: str, debug: bool = False, timeout: float = 90) -> Call:
        argv, env = self.command(*args, debug=debug)
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=self.root,
            check=False,
        )
        call = Call(args, result.returncode, result.stdout, result.stderr)
        assert all(status < 500 for status in call.statuses), call.stderr[-3000:]
        if args[0] in ("invoke", "invoke-async"):  # only statuses the Invoke API documents
            assert set(call.statuses) <= INVOKE_STATUSES, call.stderr[-3000:]
        return call

    def payload_file(self, name: str, size: int) -> str:
        """``fileb://`` of a JSON object of exactly ``size`` bytes (a probe no-op event)."""
        head, tail = b'{"op": "noop", "pad": "', b'"}'
        data = head + b"x" * (size - len(head) - len(tail)) + tail
        assert len(data) == size
        json.loads(data)
        path = self.root / name
        path.write_bytes(data)
        return f"fileb://{path}"

    def metric(self, name: str, labels: dict[str, str]) -> float:
        with urllib.request.urlopen(f"{self.endpoint_url}/metrics", timeout=10) as response:
            text = response.read().decode()
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith(f"{name}{{"):
                metric_labels = line[len(name) + 1 : line.index("}")]
                if ",".join(sorted(metric_labels.split(","))) == wanted:
                    return float(line.rsplit(" ", 1)[1])
        return 0.0

    def in_use(self, function: str) -> float:
        return sum(
            self.metric("local_lambda_environments", {"function": function, "state": state})
            for state in ("busy", "starting")
        )


def _report(log_result: str) -> tuple[float, int, int, float | None]:
    """(Duration, Billed Duration, Memory Size, Init Duration) of the REPORT line."""
    found = _REPORT.search(base64.b64decode(log_result).decode())
    assert found, base64.b64decode(log_result).decode()
    init = found.group(4)
    return (
        float(found.group(1)),
        int(found.group(2)),
        int(found.group(3)),
        None if init is None else float(init),
    )


def _wait_until(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cli_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliService]:
    root = tmp_path_factory.mktemp("aws-cli")
    (root / "probe").mkdir()
    (root / "probe" / "probe.py").write_text(PROBE)
    (root / "broken").mkdir()
    (root / "broken" / "broken.py").write_text(BROKEN)
    build(root / "grader")
    config = root / "functions.yaml"
    probe = {"handler": "probe.handler", "code_dir": "probe", "timeout": 10, "memory_size": 256}
    config.write_text(
        yaml.safe_dump(
            {
                "functions": [
                    {"name": "probe", **probe, "aliases": {"live": "1"}},
                    {"name": "probe-reserved", **probe, "reserved_concurrency": 1},
                    {"name": "broken", "handler": "broken.handler", "code_dir": "broken"},
                    # the function docs/local-lambda.md's commands call
                    {
                        "name": "exam-overflow-grader",
                        "handler": HANDLER,
                        "code_dir": "grader",
                        "timeout": 30,
                        "memory_size": 1024,
                        "environment": {"POWERTOOLS_SERVICE_NAME": "exam-grader"},
                    },
                ]
            }
        )
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCAL_LAMBDA_")}
    env["LOCAL_LAMBDA_ACCOUNT_CONCURRENCY"] = str(ACCOUNT_CONCURRENCY)
    env["LOCAL_LAMBDA_EVENT_RETRY_DELAY"] = "0.1"
    cli = Path(sys.executable).parent / "assessment-engine"
    log = root / "service.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(cli), "local-lambda", "--config", str(config), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield CliService(f"http://127.0.0.1:{port}", root, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=30) == 0, log.read_text()[-3000:]
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


def _probe_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("probe.py", PROBE)
    return buffer.getvalue()


# ------------------------------------------------------------------ account concurrency


def test_account_settings_report_the_configured_account_concurrency(cli_service) -> None:
    settings = cli_service.aws("get-account-settings").json()
    limit = settings["AccountLimit"]
    assert limit["ConcurrentExecutions"] == ACCOUNT_CONCURRENCY
    assert limit["UnreservedConcurrentExecutions"] == ACCOUNT_CONCURRENCY - 1  # probe-reserved
    functions = cli_service.aws("list-functions").json()["Functions"]
    assert settings["AccountUsage"]["FunctionCount"] == len(functions) == 4
    assert settings["AccountUsage"]["TotalCodeSize"] == sum(f["CodeSize"] for f in functions) > 0


def test_reserving_more_than_the_account_has_is_refused(cli_service) -> None:
    call = cli_service.aws(
        "put-function-concurrency",
        "--function-name",
        "exam-overflow-grader",
        "--reserved-concurrent-executions",
        str(ACCOUNT_CONCURRENCY),
        debug=True,
    )
    code, status, _, message = call.error()
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "UnreservedConcurrentExecution below its minimum value" in message


def test_a_busy_unreserved_pool_throttles_with_the_account_reason(cli_service) -> None:
    """Reserve all but one of the account's concurrency, hold that one with a sleeping invoke, and
    the next invoke of any unreserved function is throttled: ConcurrentInvocationLimitExceeded."""
    cli_service.aws(
        "put-function-concurrency",
        "--function-name",
        "exam-overflow-grader",
        "--reserved-concurrent-executions",
        str(ACCOUNT_CONCURRENCY - 2),
    ).json()
    try:
        settings = cli_service.aws("get-account-settings").json()
        assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 1
        _wait_until(lambda: cli_service.in_use("probe") == 0, "an idle probe pool")
        argv, env = cli_service.command(
            "invoke",
            "--function-name",
            "probe",
            "--payload",
            '{"op": "sleep", "seconds": 4}',
            str(cli_service.root / "sleeper.json"),
        )
        sleeper = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _wait_until(lambda: cli_service.in_use("probe") == 1, "the sleeping invoke")
            call = cli_service.aws(
                "invoke", "--function-name", "probe", str(cli_service.root / "o.json"), debug=True
            )
            code, status, body, message = call.error()
            assert (code, status) == ("TooManyRequestsException", 429)
            assert body["Reason"] == "ConcurrentInvocationLimitExceeded"
            assert body["Type"] == "User"
            assert message == "Rate Exceeded."
            assert "'Retry-After': '1'" in call.stderr
        finally:
            out, err = sleeper.communicate(timeout=60)
        assert sleeper.returncode == 0, err
        assert json.loads(out)["StatusCode"] == 200
    finally:
        cli_service.aws("delete-function-concurrency", "--function-name", "exam-overflow-grader")


def test_reserved_concurrency_zero_throttles_with_the_reserved_reason(cli_service) -> None:
    args = ("--function-name", "probe-reserved")
    cli_service.aws("put-function-concurrency", *args, "--reserved-concurrent-executions", "0")
    try:
        call = cli_service.aws("invoke", *args, str(cli_service.root / "o.json"), debug=True)
        code, status, body, _ = call.error()
        assert (code, status) == ("TooManyRequestsException", 429)
        assert body["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert body["Reason"] in THROTTLE_REASONS
    finally:
        cli_service.aws("put-function-concurrency", *args, "--reserved-concurrent-executions", "1")


# ---------------------------------------------------------------------- payload limits


def test_sync_payload_limit_is_6_mb_answered_with_request_entity_too_large(cli_service) -> None:
    at_limit = cli_service.payload_file("at-limit.json", SYNC_LIMIT)
    ok = cli_service.aws(
        "invoke",
        "--function-name",
        "probe",
        "--invocation-type",
        "DryRun",
        "--payload",
        at_limit,
        str(cli_service.root / "o.json"),
    )
    assert ok.json()["StatusCode"] == 204
    over = cli_service.payload_file("over-limit.json", SYNC_LIMIT + 1)
    call = cli_service.aws(
        "invoke", "--function-name", "probe", "--payload", over, "o.json", debug=True
    )
    code, status, body, message = call.error()
    assert (code, status) == ("RequestEntityTooLargeException", 413)
    assert message == (
        f"{SYNC_LIMIT + 1} byte payload is too large for the RequestResponse invocation type "
        f"(limit {SYNC_LIMIT} bytes)"
    )
    assert body["Type"] == "User"


def test_a_payload_far_above_the_limit_gets_the_same_typed_413(cli_service) -> None:
    """Above the HTTP server's own read bound (8 MB) the answer is still Lambda's error, not the
    web framework's plain-text 413."""
    huge = cli_service.payload_file("huge.json", 9 * 1024 * 1024)
    call = cli_service.aws(
        "invoke", "--function-name", "probe", "--payload", huge, "o.json", debug=True
    )
    code, status, _, message = call.error()
    assert (code, status) == ("RequestEntityTooLargeException", 413)
    assert "byte payload is too large for the RequestResponse invocation type" in message


def test_event_payload_limit_is_1_mb(cli_service) -> None:
    at_limit = cli_service.payload_file("event-at-limit.json", EVENT_LIMIT)
    args = ("invoke", "--function-name", "probe", "--invocation-type", "Event")
    accepted = cli_service.aws(*args, "--payload", at_limit, "o.json")
    assert accepted.json()["StatusCode"] == 202
    over = cli_service.payload_file("event-over.json", EVENT_LIMIT + 1)
    call = cli_service.aws(*args, "--payload", over, "o.json", debug=True)
    code, status, _, message = call.error()
    assert (code, status) == ("RequestEntityTooLargeException", 413)
    assert message == (
        f"{EVENT_LIMIT + 1} byte payload is too large for the Event invocation type "
        f"(limit {EVENT_LIMIT} bytes)"
    )


def test_deprecated_invoke_async_keeps_its_256_kb_limit(cli_service) -> None:
    args = ("invoke-async", "--function-name", "probe", "--invoke-args")
    # --invoke-args is a streaming blob: a plain path, not fileb://
    at_limit = cli_service.payload_file("async-at-limit.json", INVOKE_ASYNC_LIMIT)
    assert cli_service.aws(*args, at_limit.removeprefix("fileb://")).json()["Status"] == 202
    over = cli_service.payload_file("async-over.json", INVOKE_ASYNC_LIMIT + 1)
    call = cli_service.aws(*args, over.removeprefix("fileb://"), debug=True)
    code, status, _, message = call.error()
    assert (code, status) == ("RequestEntityTooLargeException", 413)
    assert f"(limit {INVOKE_ASYNC_LIMIT} bytes)" in message


def test_an_oversized_create_function_gets_a_typed_413(cli_service) -> None:
    zipped = cli_service.root / "big.zip"
    with zipfile.ZipFile(zipped, "w") as archive:  # the CLI checks it is a zip
        archive.writestr("probe.py", PROBE)
        archive.writestr("blob.bin", os.urandom(7 * 1024 * 1024))  # base64 in the body: ~9.3 MB
    call = cli_service.aws(
        "create-function",
        "--function-name",
        "too-big",
        "--runtime",
        "python3.12",
        "--role",
        "arn:aws:iam::123456789012:role/x",
        "--handler",
        "probe.handler",
        "--zip-file",
        f"fileb://{zipped}",
        debug=True,
    )
    code, status, _, message = call.error()
    assert (code, status) == ("RequestEntityTooLargeException", 413)
    assert message == "Request must be smaller than 8388608 bytes for the CreateFunction operation"
    names = [f["FunctionName"] for f in cli_service.aws("list-functions").json()["Functions"]]
    assert "too-big" not in names


# ------------------------------------------------------------------ documented errors

ERROR_CASES = {
    "unknown function": (
        ("invoke", "--function-name", "no-such-function", "o.json"),
        "ResourceNotFoundException",
    ),
    "unknown alias": (
        ("invoke", "--function-name", "probe:no-such-alias", "o.json"),
        "ResourceNotFoundException",
    ),
    "unknown ARN": (
        (
            "invoke",
            "--function-name",
            "arn:aws:lambda:us-east-1:123456789012:function:missing",
            "o.json",
        ),
        "ResourceNotFoundException",
    ),
    "payload not JSON": (
        ("invoke", "--function-name", "probe", "--payload", "not json", "o.json"),
        "InvalidRequestContentException",
    ),
    "client context not base64": (
        ("invoke", "--function-name", "probe", "--client-context", "%%%", "o.json"),
        "InvalidRequestContentException",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_invoke_errors_have_the_documented_code_and_status(cli_service, case: str) -> None:
    args, expected = ERROR_CASES[case]
    code, status, body, message = cli_service.aws(*args, debug=True).error()
    assert code == expected
    assert status == DOCUMENTED_INVOKE_ERRORS[code]
    assert body["Type"] == "User"
    assert message


def test_function_errors_are_200_with_unhandled_not_api_errors(cli_service) -> None:
    """An init failure (import error) and a handler exception are function errors: HTTP 200 with
    ``FunctionError: Unhandled``, never an API error status."""
    for name, payload, error_type in (
        ("broken", "{}", "Runtime.ImportModuleError"),
        ("probe", '{"op": "fail"}', "ValueError"),
    ):
        out = cli_service.root / f"{name}.json"
        call = cli_service.aws(
            "invoke", "--function-name", name, "--payload", payload, str(out), debug=True
        )
        meta = call.json()
        assert meta["StatusCode"] == 200
        assert meta["FunctionError"] == "Unhandled"
        assert json.loads(out.read_text())["errorType"] == error_type
        assert call.statuses[-1] == 200


# -------------------------------------------------------- billing lines and code identity


def test_cold_start_report_bills_the_init_phase_and_warm_ones_do_not(cli_service) -> None:
    """A new on-demand environment's REPORT line has ``Init Duration`` and bills it (AWS since
    1 Aug 2025): Billed Duration = ceil(Duration + Init Duration). The next, warm, invoke has no
    init and bills ceil(Duration). Durations are printed to 0.01 ms, hence the tolerance."""
    zipped = cli_service.root / "cold.zip"
    zipped.write_bytes(_probe_zip())
    cli_service.aws(
        "create-function",
        "--function-name",
        "cold-probe",
        "--runtime",
        "python3.12",
        "--role",
        "arn:aws:iam::123456789012:role/x",
        "--handler",
        "probe.handler",
        "--memory-size",
        "512",
        "--zip-file",
        f"fileb://{zipped}",
    ).json()
    try:
        reports = []
        for _ in range(2):
            meta = cli_service.aws(
                "invoke", "--function-name", "cold-probe", "--log-type", "Tail", "o.json"
            ).json()
            reports.append(_report(meta["LogResult"]))
        (duration, billed, memory, init), (warm_duration, warm_billed, _, warm_init) = reports
        assert memory == 512
        assert init is not None
        assert init > 0
        assert math.ceil(duration + init - 0.01) <= billed <= math.ceil(duration + init + 0.01)
        assert billed >= math.ceil(duration) + math.floor(init)
        assert warm_init is None
        assert math.ceil(warm_duration - 0.01) <= warm_billed <= math.ceil(warm_duration + 0.01)
    finally:
        cli_service.aws("delete-function", "--function-name", "cold-probe")


def test_provisioned_environments_never_bill_init_per_invoke(cli_service) -> None:
    args = ("--function-name", "probe", "--qualifier", "live")
    put = cli_service.aws(
        "put-provisioned-concurrency-config", *args, "--provisioned-concurrent-executions", "1"
    ).json()
    try:
        assert LAST_MODIFIED.match(put["LastModified"]), put
        _wait_until(
            lambda: (
                cli_service.aws("get-provisioned-concurrency-config", *args).json()["Status"]
                == "READY"
            ),
            "provisioned concurrency READY",
        )
        out = cli_service.root / "pc.json"
        meta = cli_service.aws(
            "invoke", "--function-name", "probe:live", "--log-type", "Tail", str(out)
        ).json()
        assert json.loads(out.read_text())["init_type"] == "provisioned-concurrency"
        duration, billed, _, init = _report(meta["LogResult"])
        assert init is None
        assert math.ceil(duration - 0.01) <= billed <= math.ceil(duration + 0.01)
    finally:
        cli_service.aws("delete-provisioned-concurrency-config", *args)


def test_code_sha256_is_base64_of_the_package_sha256_and_last_modified_is_stable(
    cli_service,
) -> None:
    data = _probe_zip()
    zipped = cli_service.root / "sha.zip"
    zipped.write_bytes(data)
    created = cli_service.aws(
        "create-function",
        "--function-name",
        "sha-probe",
        "--runtime",
        "python3.12",
        "--role",
        "arn:aws:iam::123456789012:role/x",
        "--handler",
        "probe.handler",
        "--zip-file",
        f"fileb://{zipped}",
    ).json()
    try:
        assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert created["CodeSize"] == len(data)
        assert LAST_MODIFIED.match(created["LastModified"]), created["LastModified"]
        time.sleep(1.1)  # a clock-based LastModified would now differ (seconds, not millis)
        again = cli_service.aws("get-function-configuration", "--function-name", "sha-probe")
        function = cli_service.aws("get-function", "--function-name", "sha-probe").json()
        for doc in (again.json(), function["Configuration"]):
            assert doc["LastModified"] == created["LastModified"]
            assert doc["CodeSha256"] == created["CodeSha256"]
            assert doc["CodeSize"] == len(data)
    finally:
        cli_service.aws("delete-function", "--function-name", "sha-probe")
    # a function served from a directory: a stable base64 SHA-256 too (32 bytes decoded)
    first = cli_service.aws("get-function-configuration", "--function-name", "probe").json()
    time.sleep(1.1)
    second = cli_service.aws("get-function-configuration", "--function-name", "probe").json()
    assert len(base64.b64decode(first["CodeSha256"], validate=True)) == 32
    assert (first["CodeSha256"], first["LastModified"]) == (
        second["CodeSha256"],
        second["LastModified"],
    )
    assert LAST_MODIFIED.match(first["LastModified"])


# ------------------------------------------------------------------------------ docs


def _documented_aws_commands() -> list[list[str]]:
    """The ``aws --endpoint-url …`` commands of docs/local-lambda.md, as a user pastes them."""
    text = (ROOT / "docs" / "local-lambda.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            words = shlex.split(line, comments=True)
            if words[:2] == ["aws", "--endpoint-url"]:
                commands.append(words)
    assert len(commands) >= 2
    return commands


def test_the_docs_aws_cli_examples_succeed_as_written(cli_service) -> None:
    try:
        for words in _documented_aws_commands():
            assert words[3] == "lambda"
            call = cli_service.aws(*words[4:], debug=False)
            meta = call.json() if call.stdout.strip() else {}
            assert call.returncode == 0, call.stderr[-3000:]
            if words[4] == "invoke":
                assert meta["StatusCode"] == 200
                assert "FunctionError" not in meta, (cli_service.root / words[-1]).read_text()
                result = json.loads((cli_service.root / words[-1]).read_text())
                assert result["results"] == result["failures"] == []
    finally:
        cli_service.aws("delete-function-concurrency", "--function-name", "exam-overflow-grader")
