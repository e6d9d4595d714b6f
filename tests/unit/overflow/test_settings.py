"""Dispatcher settings derived at start-up."""

from __future__ import annotations

from assessment_engine.overflow.settings import DispatcherSettings


def test_read_timeout_sits_above_the_function_timeout() -> None:
    settings = DispatcherSettings(function_timeout_s=30, read_timeout_margin_s=10)
    assert settings.read_timeout_s == 40
    assert settings.consumer.startswith("dispatcher-")
