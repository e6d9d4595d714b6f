"""Sandbox pools shared by the integration tests (real zygote processes, real namespaces).

``layered_pool`` is parametrised over the isolation layers this host offers: namespaces and
rlimits as this (root, in CI) process, and the unprivileged paths a non-root worker or AWS
Lambda takes (user namespace; rlimits alone), by starting zygotes as uid 65534 with the system
interpreter. Layers the host refuses are skipped, never faked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from assessment_engine.sandbox import SandboxPool, SandboxUnavailableError, detect_layer

NOBODY = 65534
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/usr/local/bin") or "/usr/bin/python3"
LAYERS = {
    "namespaces": ("namespaces", None),
    "rlimit": ("rlimit", None),
    "userns": ("auto", NOBODY),
    "unprivileged-rlimit": ("rlimit", NOBODY),
}


def _pool(name: str) -> Iterator[SandboxPool]:
    isolation, user = LAYERS[name]
    if name == "namespaces" and detect_layer("auto")[0] == "rlimit":
        pytest.skip(f"namespaces unavailable here: {detect_layer('auto')[1]}")
    if user is not None and os.geteuid() != 0:
        pytest.skip("starting zygotes as another uid needs root")
    try:
        pool = SandboxPool(2, isolation, python=SYSTEM_PYTHON if user else None, user=user)  # type: ignore[arg-type]
    except SandboxUnavailableError as exc:
        pytest.skip(f"{name} unavailable here: {exc}")
    yield pool
    pool.close()


@pytest.fixture(scope="session", params=list(LAYERS))
def layered_pool(request: pytest.FixtureRequest) -> Iterator[SandboxPool]:
    yield from _pool(request.param)


@pytest.fixture(scope="session")
def root_pool() -> Iterator[SandboxPool]:
    """The worker's usual pool: auto-detected layer, zygotes started by this process."""
    yield from _pool("namespaces" if detect_layer("auto")[0] != "rlimit" else "rlimit")
