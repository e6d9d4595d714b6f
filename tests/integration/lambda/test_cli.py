"""``assessment-engine local-lambda`` serves a YAML config; boto3 invokes through it.

(Its environment settings, ``LOCAL_LAMBDA_*``, are exercised with the AWS CLI in
``test_aws_cli_conformance.py``; here the command-line flag wins over them.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from exam_stack.localstack.ports import free_port, wait_for_port

from .conftest import lambda_client
from .handlers import PROBE


def test_cli_serves_functions_from_a_yaml_config(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "probe.py").write_text(PROBE)
    config = tmp_path / "functions.yaml"
    config.write_text(
        yaml.safe_dump(
            {"functions": [{"name": "probe", "handler": "probe.handler", "code_dir": "code"}]}
        )
    )
    port = free_port()
    cli = Path(sys.executable).parent / "assessment-engine"
    env = {**os.environ, "LOCAL_LAMBDA_ACCOUNT_CONCURRENCY": "5"}
    process = subprocess.Popen(
        [
            *(str(cli), "local-lambda", "--config", str(config), "--port", str(port)),
            *("--account-concurrency", "3"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        lam = lambda_client(f"http://127.0.0.1:{port}")
        body = json.loads(lam.invoke(FunctionName="probe", Payload=b'{"op": 1}')["Payload"].read())
        assert body["event"] == {"op": 1}
        assert lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 3
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
