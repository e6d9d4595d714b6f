"""Which processes a main-job run left behind: each e2e run marks its environment with a token of
its own (inherited by every child), so a surge another session runs on the same machine at the
same time is not counted."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

MARK = "EXAM_E2E_RUN"


def run_env() -> tuple[dict[str, str], str]:
    """The environment for ``scripts/run-main.sh`` and the token that marks it."""
    token = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAM_SURGE")}
    env[MARK] = token
    return env, token


def processes_marked(token: str) -> list[str]:
    """PIDs still running with this run's token in their environment."""
    marker = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker in (entry / "environ").read_bytes():
                    found.append(entry.name)
            except OSError:
                continue
    return found
