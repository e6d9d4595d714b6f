"""Function names, ARNs and qualifiers are split the way Lambda splits them."""

from __future__ import annotations

import pytest

from overflow_functions.local_lambda.wire import split_function_name


@pytest.mark.parametrize(
    ("raw", "qualifier", "expected"),
    [
        ("grader", None, ("grader", None)),
        ("grader:live", None, ("grader", "live")),
        ("arn:aws:lambda:us-east-1:123456789012:function:grader", None, ("grader", None)),
        ("arn:aws:lambda:us-east-1:123456789012:function:grader:live", None, ("grader", "live")),
        ("123456789012:function:grader:1", None, ("grader", "1")),
        ("arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ag", "live", ("g", "live")),
    ],
)
def test_function_names_arns_and_qualifiers_are_split_like_lambda(
    raw: str, qualifier: str | None, expected: tuple[str, str | None]
) -> None:
    assert split_function_name(raw, qualifier) == expected
