"""Function definitions of the local Lambda service refuse what Lambda refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from overflow_functions.local_lambda.config import (
    RESERVED_ENVIRONMENT,
    FunctionConfig,
    reserved_keys_error,
)


@pytest.mark.parametrize("key", sorted(RESERVED_ENVIRONMENT))
def test_a_reserved_key_in_a_function_environment_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="reserved keys"):
        FunctionConfig(name="f", handler="m.h", code_dir=Path("/x"), environment={key: "v"})


def test_the_message_names_only_the_reserved_keys_used() -> None:
    message = reserved_keys_error({"AWS_REGION": "x", "LAMBDA_TASK_ROOT": "y", "MINE": "z"})
    assert message is not None
    assert message.endswith("Reserved keys used in this request: AWS_REGION, LAMBDA_TASK_ROOT")


def test_ordinary_variables_are_accepted() -> None:
    env = {"POWERTOOLS_SERVICE_NAME": "g", "SANDBOX_POOL_SIZE": "2", "AWS_ENDPOINT_URL": "u"}
    assert reserved_keys_error(env) is None
    assert FunctionConfig(name="f", handler="m.h", code_dir=Path("/x"), environment=env)


def test_qualifiers_resolve_to_versions() -> None:
    fn = FunctionConfig(name="g", handler="m.h", code_dir=".", aliases={"live": "3"})
    assert fn.resolve(None) == "$LATEST"
    assert fn.resolve("live") == "3"
    assert fn.resolve("3") == "3"
    assert fn.resolve("nope") is None
