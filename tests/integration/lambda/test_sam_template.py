"""sam_template.yaml passes translate-then-cfn-lint, and broken variants fail it."""

from __future__ import annotations

from pathlib import Path

import pytest

from overflow_functions.sam_check import check_template, load_template, translate

TEMPLATE = Path(__file__).resolve().parents[3] / "sam_template.yaml"


@pytest.fixture(scope="module")
def text() -> str:
    return TEMPLATE.read_text()


def test_template_translates_and_lints_clean(text: str) -> None:
    result = check_template(text)
    assert result.errors == []
    assert result.resources["GradingFunction"] == "AWS::Lambda::Function"
    assert result.resources["GradingFunctionAliaslive"] == "AWS::Lambda::Alias"
    assert result.resources["IdempotencyTable"] == "AWS::DynamoDB::Table"


def test_provisioned_and_reserved_concurrency_are_conditional_so_zero_is_valid(text) -> None:
    resources = translate(load_template(text))["Resources"]
    alias = resources["GradingFunctionAliaslive"]["Properties"]
    assert alias["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasProvisionedConcurrency"
    function = resources["GradingFunction"]["Properties"]
    assert function["ReservedConcurrentExecutions"]["Fn::If"][0] == "HasReservedConcurrency"
    assert function["Runtime"] == "python3.12"
    assert function["Handler"] == "overflow_functions.grading_function.app.lambda_handler"


def test_snapstart_applies_to_published_versions_unless_provisioned_concurrency(text) -> None:
    template = load_template(text)
    assert template["Conditions"]["UseSnapStart"]["Fn::And"][1] == {
        "Fn::Equals": [{"Ref": "ProvisionedConcurrency"}, 0]
    }
    resources = translate(template)["Resources"]
    function = resources["GradingFunction"]["Properties"]
    snap = function["SnapStart"]["Fn::If"]
    assert snap[0] == "UseSnapStart"
    assert snap[1] == {"ApplyOn": "PublishedVersions"}
    version = next(v for k, v in resources.items() if k.startswith("GradingFunctionVersion"))
    assert version["Type"] == "AWS::Lambda::Version"  # AutoPublishAlias publishes one
    assert function["Environment"]["Variables"]["GRADING_FUNCTION_SANDBOX_START"] == "background"


def test_function_role_may_only_touch_the_idempotency_table(text: str) -> None:
    role = translate(load_template(text))["Resources"]["GradingFunctionRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert len(statements) == 1
    assert statements[0]["Resource"] == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
    assert all(a.startswith("dynamodb:") and "*" not in a for a in statements[0]["Action"])


def test_idempotency_table_has_ttl_and_log_group_has_retention(text: str) -> None:
    resources = load_template(text)["Resources"]
    ttl = resources["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expiration", "Enabled": True}
    assert resources["GradingLogGroup"]["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }


@pytest.mark.parametrize(
    ("original", "broken", "expected"),
    [
        ("!GetAtt IdempotencyTable.Arn", "!GetAtt IdempotencyTableX.Arn", "E1010"),
        ("Runtime: python3.12", "Runtime: python3.99", "E3030"),
        ("AutoPublishAlias: live", "AutoPublishAlias: [live]", "SAM:"),
        (
            "      AutoPublishAlias: live",
            "      Events:\n        Q:\n          Type: SQSS\n          Properties: {Queue: q}\n"
            "      AutoPublishAlias: live",
            "SAM:",
        ),
        ("Default: 1024", "Default: 99999", "E"),
    ],
)
def test_broken_templates_fail_the_check(text: str, original: str, broken: str, expected) -> None:
    assert original in text
    result = check_template(text.replace(original, broken, 1))
    assert not result.ok
    assert any(error.startswith(expected) for error in result.errors), result.errors
