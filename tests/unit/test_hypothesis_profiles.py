"""CI draws the same property-test examples on every run (``tests/conftest.py`` profiles)."""

from __future__ import annotations

from hypothesis import settings


def test_the_ci_profile_is_derandomized_and_keeps_no_example_database() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize
    assert ci.database is None


def test_the_dev_profile_draws_more_examples_than_the_default() -> None:
    assert settings.get_profile("dev").max_examples > settings.get_profile("default").max_examples
