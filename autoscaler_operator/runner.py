"""Start the Kopf operator in-process (``assessment-engine operator run``).

Imports the handlers (registering them) and runs ``kopf.operator`` cluster-wide or on the given
namespaces, with the liveness endpoint serving the ``@kopf.on.probe`` results. The caller
configures logging (``autoscaler_operator.logs.configure_logging``).
"""

from __future__ import annotations

import kopf

from autoscaler_operator.logs import log


async def run_operator(namespaces: list[str], liveness_endpoint: str | None) -> None:
    from autoscaler_operator import handlers  # noqa: F401 - registers the handlers

    log.info(
        "operator starting",
        extra={"event": "start", "clusterwide": not namespaces, "namespaces": namespaces,
               "liveness": liveness_endpoint},
    )  # fmt: skip
    await kopf.operator(
        clusterwide=not namespaces,
        namespaces=namespaces,
        liveness_endpoint=liveness_endpoint,
        standalone=True,
    )
