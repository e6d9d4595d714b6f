"""The presence rule (pure): online wins, reconnecting within the grace, offline after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from platform_services.notifications.presence import classify, member, student_of
from platform_services.notifications.settings import NotifySettings

NOW = 1_800_000_000_000.0
C1, C2 = "1" * 32, "2" * 32


def _view(live: list[str], lost: dict[str, float], grace: float = 10.0):
    return classify("e1", NOW, live, lost, grace_seconds=grace, ttl_seconds=25.0)


def test_a_live_stream_makes_a_student_online_whatever_their_last_loss() -> None:
    view = _view([member("ann", C1), member("ann", C2), member("bo", C1)], {"ann": NOW - 1})
    assert view.online == ["ann", "bo"]
    assert view.reconnecting == []
    assert view.lost_at == {}, "loss times are for students not online"


def test_a_loss_within_the_grace_is_reconnecting_and_after_it_offline() -> None:
    view = _view([], {"cy": NOW - 9_999, "di": NOW - 10_000, "ed": NOW - 3_600_000})
    assert view.online == []
    assert view.reconnecting == ["cy"]
    assert view.lost_at == {
        "cy": datetime.fromtimestamp((NOW - 9_999) / 1000, UTC),
        "di": datetime.fromtimestamp((NOW - 10_000) / 1000, UTC),
        "ed": datetime.fromtimestamp((NOW - 3_600_000) / 1000, UTC),
    }
    assert view.at == datetime.fromtimestamp(NOW / 1000, UTC)


def test_no_grace_means_offline_at_once() -> None:
    assert _view([], {"fi": NOW}, grace=0).reconnecting == []


def test_student_ids_may_contain_the_separator() -> None:
    entry = member("org|gus", C1)
    assert student_of(entry) == "org|gus"
    assert _view([entry], {}).online == ["org|gus"]


def test_the_signature_ignores_only_the_read_time() -> None:
    first = _view([member("ann", C1)], {"bo": NOW - 1})
    later = classify(
        "e1", NOW + 500, [member("ann", C2)], {"bo": NOW - 1}, grace_seconds=10, ttl_seconds=25
    )
    assert first.signature() == later.signature()
    assert "at" not in first.signature()
    moved = _view([], {"ann": NOW - 1, "bo": NOW - 1})
    assert moved.signature() != first.signature()


def test_the_ttl_must_hold_at_least_two_beats() -> None:
    with pytest.raises(ValidationError, match="2 x presence_beat_seconds"):
        NotifySettings(presence_beat_seconds=10, presence_ttl_seconds=19)
    assert NotifySettings(presence_beat_seconds=10, presence_ttl_seconds=20)
