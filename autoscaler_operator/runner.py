"""Start the Kopf operator in-process (``assessment-engine operator run``).

Imports the handlers (registering them) and runs ``kopf.operator`` cluster-wide or on the given
namespaces, with the liveness endpoint serving the ``@kopf.on.probe`` results.
"""

from __future__ import annotations

import kopf


async def run_operator(namespaces: list[str], liveness_endpoint: str | None) -> None:
    from autoscaler_operator import handlers  # noqa: F401 - registers the handlers

    await kopf.operator(
        clusterwide=not namespaces,
        namespaces=namespaces,
        liveness_endpoint=liveness_endpoint,
        standalone=True,
    )
