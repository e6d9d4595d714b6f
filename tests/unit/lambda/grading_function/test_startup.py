"""The grading function's init helpers: phase timing, the sandbox start policy, SnapStart hooks
(registered with the real ``snapshot_restore_py`` library and run the way the runtime runs
them: its registries, before-snapshot hooks in reverse order, after-restore in order)."""

from __future__ import annotations

import random
import threading

import pytest
import snapshot_restore_py

from overflow_functions.grading_function.startup import (
    InitTimer,
    SandboxStarter,
    register_snapstart_hooks,
)


def test_phases_and_the_end_of_init_are_reported() -> None:
    timer = InitTimer()
    with timer.phase("imports"):
        pass
    timer.end()
    report = timer.report()
    assert set(report["init_phases_ms"]) == {"imports", "total"}
    assert report["init_ended_at"] >= report["init_started_at"]
    assert report["restored_from_snapshot"] is False


@pytest.mark.parametrize(("mode", "at_init"), [("init", 1), ("first_use", 0)])
def test_sandbox_start_policy(mode: str, at_init: int) -> None:
    calls: list[int] = []
    starter = SandboxStarter(mode, lambda: calls.append(1))  # type: ignore[arg-type]
    starter.start()
    assert len(calls) == at_init
    starter.ready()
    starter.ready()
    assert len(calls) == 1  # started exactly once whatever the policy


def test_background_start_runs_in_a_thread_and_ready_waits_for_it() -> None:
    release = threading.Event()
    calls: list[str] = []

    def warm() -> None:
        release.wait(30)
        calls.append(threading.current_thread().name)

    starter = SandboxStarter("background", warm)
    starter.start()
    assert calls == []  # init did not wait
    release.set()
    starter.ready()
    assert calls == ["sandbox-start"]


def test_snapstart_hooks_drain_before_the_snapshot_and_restart_after_restore(monkeypatch) -> None:
    monkeypatch.setattr(snapshot_restore_py, "_before_snapshot_registry", [])
    monkeypatch.setattr(snapshot_restore_py, "_after_restore_registry", [])
    events: list[str] = []
    timer = InitTimer()
    starter = SandboxStarter("init", lambda: events.append("warm"))
    starter.start()
    assert register_snapstart_hooks(timer, starter, lambda: events.append("drain"))
    for func, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        func(*args, **kwargs)
    state = random.getstate()
    for func, args, kwargs in snapshot_restore_py.get_after_restore():
        func(*args, **kwargs)
    assert events == ["warm", "drain", "warm"]
    assert timer.report()["restored_from_snapshot"] is True
    assert random.getstate() != state  # re-seeded: restored environments do not share it
