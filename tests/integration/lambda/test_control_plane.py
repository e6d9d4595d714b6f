"""Control-plane calls the operator makes, through boto3, plus the AWS CLI through the service."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import RunningService
from .handlers import PROBE


def test_function_concurrency_put_get_delete_round_trip(lam) -> None:
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="probe")
    put = lam.put_function_concurrency(FunctionName="probe", ReservedConcurrentExecutions=3)
    assert put["ReservedConcurrentExecutions"] == 3
    assert lam.get_function_concurrency(FunctionName="probe")["ReservedConcurrentExecutions"] == 3
    assert lam.get_function(FunctionName="probe")["Concurrency"] == {
        "ReservedConcurrentExecutions": 3
    }
    settings = lam.get_account_settings()["AccountLimit"]
    assert settings["ConcurrentExecutions"] == 8
    assert settings["UnreservedConcurrentExecutions"] == 8 - 3 - 1  # probe-reserved holds 1
    lam.delete_function_concurrency(FunctionName="probe")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="probe")


def test_reserving_more_than_the_account_has_is_rejected(lam) -> None:
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_concurrency(FunctionName="probe", ReservedConcurrentExecutions=100)


def test_provisioned_concurrency_prestarts_warm_environments(lam, running_service) -> None:
    pool = running_service.service.registry.get("probe")
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName="probe", Qualifier="live")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_provisioned_concurrency_config(
            FunctionName="probe", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    put = lam.put_provisioned_concurrency_config(
        FunctionName="probe", Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert put["RequestedProvisionedConcurrentExecutions"] == 2
    deadline = time.monotonic() + 20
    status = {}
    while time.monotonic() < deadline:
        status = lam.get_provisioned_concurrency_config(FunctionName="probe", Qualifier="live")
        if status["Status"] == "READY":
            break
        time.sleep(0.05)
    assert status["Status"] == "READY"
    assert status["AllocatedProvisionedConcurrentExecutions"] == 2
    cold_before = len([e for e in pool.idle if e.provisioned])
    assert cold_before == 2
    body = json.loads(lam.invoke(FunctionName="probe", Qualifier="live")["Payload"].read())
    assert body["init_type"] == "provisioned-concurrency"
    assert body["invocations"] == 1
    listed = lam.list_provisioned_concurrency_configs(FunctionName="probe")
    assert [
        c["FunctionArn"].rsplit(":", 1)[1] for c in listed["ProvisionedConcurrencyConfigs"]
    ] == ["live"]
    lam.delete_provisioned_concurrency_config(FunctionName="probe", Qualifier="live")
    assert not [e for e in pool.idle if e.provisioned]


def test_get_and_list_functions_describe_the_configured_functions(lam) -> None:
    config = lam.get_function(FunctionName="probe")["Configuration"]
    assert config["Handler"] == "probe.handler"
    assert config["MemorySize"] == 256
    assert config["Runtime"] == "python3.12"
    assert config["State"] == "Active"
    names = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert {"probe", "grader", "broken"} <= names
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="nope")


def test_create_function_from_a_zip_and_from_a_local_directory(lam, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("probe.py", PROBE)
    created = lam.create_function(
        FunctionName="zipped",
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/x",
        Handler="probe.handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=5,
    )
    assert created["FunctionName"] == "zipped"
    body = json.loads(lam.invoke(FunctionName="zipped", Payload=b'{"op": "z"}')["Payload"].read())
    assert body["event"] == {"op": "z"}
    (tmp_path / "probe.py").write_text(PROBE)
    lam.create_function(
        FunctionName="from-dir",
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/x",
        Handler="probe.handler",
        Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path)},
    )
    body = json.loads(lam.invoke(FunctionName="from-dir", Payload=b"{}")["Payload"].read())
    assert body["invocations"] == 1
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(
            FunctionName="from-dir",
            Runtime="python3.12",
            Role="r",
            Handler="probe.handler",
            Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path)},
        )
    lam.delete_function(FunctionName="zipped")
    lam.delete_function(FunctionName="from-dir")


def _aws(
    running_service: RunningService, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    aws = Path(sys.executable).parent / "aws"
    env = {
        "PATH": str(aws.parent),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_MAX_ATTEMPTS": "1",
    }
    return subprocess.run(
        [str(aws), "--endpoint-url", running_service.endpoint_url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_reserved_environment_variables_are_refused_as_lambda_does(lam, running_service) -> None:
    code_dir = str(running_service.code_root / "probe")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as caught:
        lam.create_function(
            FunctionName="reserved-env",
            Runtime="python3.12",
            Role="arn:aws:iam::1:role/x",
            Handler="probe.handler",
            Code={"S3Bucket": "hot-reload", "S3Key": code_dir},
            # the sandbox would leave Lambda mode if a function could unset its name
            Environment={"Variables": {"AWS_LAMBDA_FUNCTION_NAME": "", "MY_SETTING": "1"}},
        )
    message = caught.value.response["Error"]["Message"]
    assert "reserved keys" in message
    assert "AWS_LAMBDA_FUNCTION_NAME" in message
    assert "MY_SETTING" not in message


def test_aws_cli_invokes_the_function_through_the_service(running_service, tmp_path) -> None:
    out = tmp_path / "out.json"
    result = _aws(
        running_service,
        "lambda",
        "invoke",
        "--function-name",
        "probe",
        "--payload",
        '{"op": "cli"}',
        "--log-type",
        "Tail",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    meta = json.loads(result.stdout)
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert "probe op cli" in base64.b64decode(meta["LogResult"]).decode()
    assert json.loads(out.read_text())["event"] == {"op": "cli"}


def test_aws_cli_reports_function_errors_and_reads_concurrency(running_service, tmp_path) -> None:
    out = tmp_path / "out.json"
    result = _aws(
        running_service,
        "lambda",
        "invoke",
        "--function-name",
        "probe",
        "--payload",
        '{"op": "fail"}',
        str(out),
        cwd=tmp_path,
    )
    assert json.loads(result.stdout)["FunctionError"] == "Unhandled"
    assert json.loads(out.read_text())["errorType"] == "ValueError"
    result = _aws(
        running_service,
        "lambda",
        "get-function-concurrency",
        "--function-name",
        "probe-reserved",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ReservedConcurrentExecutions"] == 1
