"""The operator's log fields never carry credentials."""

from __future__ import annotations

from autoscaler_operator.logs import redact_url, settings_fields
from autoscaler_operator.settings import OperatorSettings


def test_credentials_are_stripped_from_urls():
    assert redact_url("redis://:s3cret@redis.exams.svc:6379/0") == "redis://redis.exams.svc:6379/0"
    assert redact_url("redis://user:pw@host/1") == "redis://host/1"
    assert redact_url("redis://host:6379/0") == "redis://host:6379/0"


def test_the_assessment_token_is_reported_as_present_never_shown():
    fields = settings_fields(
        OperatorSettings(assessment_token="tok-123", redis_url="redis://:p@r/0")
    )
    assert fields["assessment_token"] == "set"
    assert "tok-123" not in str(fields)
    assert "p@" not in fields["redis_url"]
