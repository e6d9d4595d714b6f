"""Back-off of the dispatcher after throttles and errors: capped exponential, full jitter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment_engine.overflow.backoff import Backoff


def test_backoff_doubles_its_cap_up_to_the_maximum_and_resets_on_success() -> None:
    backoff = Backoff(0.1, 1.0, rand=lambda: 1.0)
    pauses = [backoff.failed(now=0.0) for _ in range(6)]
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.succeeded()
    assert backoff.cap() == 0.1


@given(st.floats(0, 1), st.integers(1, 30))
def test_backoff_pause_is_full_jitter_within_the_cap(rand: float, failures: int) -> None:
    backoff = Backoff(0.2, 10.0, rand=lambda: rand)
    for _ in range(failures):
        pause = backoff.failed(now=100.0)
    assert 0.0 <= pause <= backoff.cap() <= 10.0
    assert backoff.wait_s(100.0) >= pause - 1e-9
