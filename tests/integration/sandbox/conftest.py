"""Sandbox pools shared by the integration tests (real zygote processes, real namespaces).

``layered_pool`` is parametrised over the isolation layers this host offers (the namespace layer
is skipped where the kernel refuses it); ``audit`` runs a hostile program with and without the
CPython audit hook, to show the OS layers contain it on their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assessment_engine.sandbox import SandboxPool, detect_layer


def _pool(isolation: str) -> Iterator[SandboxPool]:
    if isolation == "namespaces" and detect_layer("auto")[0] == "rlimit":
        pytest.skip(f"namespaces unavailable here: {detect_layer('auto')[1]}")
    pool = SandboxPool(2, isolation)  # type: ignore[arg-type]
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def ns_pool() -> Iterator[SandboxPool]:
    yield from _pool("namespaces")


@pytest.fixture(scope="session")
def rlimit_pool() -> Iterator[SandboxPool]:
    yield from _pool("rlimit")


@pytest.fixture(scope="session", params=["namespaces", "rlimit"])
def layered_pool(request: pytest.FixtureRequest) -> Iterator[SandboxPool]:
    yield from _pool(request.param)
